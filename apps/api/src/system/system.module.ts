import { Module } from '@nestjs/common';
import { AccountsModule } from '@greenlight/accounts';
import { PlatformModule } from '@greenlight/platform';
import { ApiKeysController } from './api-keys.controller';
import { AuditLogsController } from './audit-logs.controller';
import { OrgsController } from './orgs.controller';

@Module({ imports: [AccountsModule, PlatformModule], controllers: [OrgsController, ApiKeysController, AuditLogsController] })
export class SystemApiModule {}
