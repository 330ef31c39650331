import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard';
import { KeyAuthenticator } from './key-authenticator';
import { RateLimiter } from './rate-limiter';

@Global()
@Module({ providers: [ApiKeyGuard, KeyAuthenticator, RateLimiter], exports: [ApiKeyGuard, KeyAuthenticator, RateLimiter] })
export class AuthModule {}
