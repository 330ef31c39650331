import { Module } from '@nestjs/common';
import { OperationsModule } from '@greenlight/operations';
import { MaintenanceController } from './maintenance.controller';
import { QueueOpsController } from './queue-ops.controller';

@Module({ imports: [OperationsModule], controllers: [QueueOpsController, MaintenanceController] })
export class QueueOpsApiModule {}
