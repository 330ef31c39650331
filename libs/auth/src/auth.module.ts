import { Global, Module } from '@nestjs/common';
import { AccountsModule } from '@greenlight/accounts';
import { ApiKeyGuard } from './api-key.guard';
import { KeyAuthenticator } from './key-authenticator';
import { RateLimiter } from './rate-limiter';

@Global()
@Module({ imports: [AccountsModule], providers: [ApiKeyGuard, KeyAuthenticator, RateLimiter], exports: [ApiKeyGuard, KeyAuthenticator, RateLimiter] })
export class AuthModule {}
