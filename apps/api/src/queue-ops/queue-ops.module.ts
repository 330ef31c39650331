import { Module } from '@nestjs/common';
import { MaintenanceController } from './maintenance.controller';
import { QueueOpsController } from './queue-ops.controller';

@Module({ controllers: [QueueOpsController, MaintenanceController] })
export class QueueOpsModule {}
