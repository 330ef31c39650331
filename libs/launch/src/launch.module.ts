import { Module } from '@nestjs/common';
import { LaunchGateModule } from './gate';
import { ReadinessModule } from './readiness';
import { SloModule } from './slo';
import { LaunchViewsModule } from './views';

/** May this agent launch, and can we prove later why we said so: readiness, SLOs, the launch gate, evidence, views. */
@Module({
  imports: [ReadinessModule, SloModule, LaunchGateModule, LaunchViewsModule],
  exports: [ReadinessModule, SloModule, LaunchGateModule, LaunchViewsModule],
})
export class LaunchModule {}
