import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard';
import { RateLimiter } from './rate-limiter';

@Global()
@Module({ providers: [ApiKeyGuard, RateLimiter], exports: [ApiKeyGuard, RateLimiter] })
export class AuthModule {}
