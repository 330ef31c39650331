import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { AuditLogsController } from './audit-logs.controller';
import { OrgsController } from './orgs.controller';

@Module({ controllers: [OrgsController, ApiKeysController, AuditLogsController] })
export class SystemModule {}
