import { Module } from '@nestjs/common';
import { LaunchModule } from '@greenlight/launch';
import { LaunchEvidenceController } from './launch-evidence.controller';
import { LaunchGateController } from './launch-gate.controller';
import { LaunchViewsController } from './launch-views.controller';
import { ReadinessController } from './readiness.controller';
import { SloController } from './slo.controller';

@Module({
  imports: [LaunchModule],
  controllers: [ReadinessController, SloController, LaunchGateController, LaunchEvidenceController, LaunchViewsController],
})
export class LaunchApiModule {}
