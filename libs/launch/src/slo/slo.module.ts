import { Module } from '@nestjs/common';
import { EvaluationModule } from '@greenlight/evaluation';
import { CompareModule } from '@greenlight/governance';
import { NotificationsModule } from '@greenlight/notifications';
import { PlatformModule } from '@greenlight/platform';
import { SloMonitor } from './slo-monitor';
import { SloPolicyService } from './slo-policy.service';
import { SloReader } from './slo-reader';
import { SloStatusService } from './slo-status.service';
import { SloViolations } from './slo-violations';

/**
 * SLO policies of agents, checked on every run and compare, and their violations. The monitor
 * registers with the run and compare hooks in every app that imports this module (api and worker).
 */
@Module({
  imports: [PlatformModule, EvaluationModule, NotificationsModule, CompareModule],
  providers: [SloReader, SloViolations, SloPolicyService, SloStatusService, SloMonitor],
  exports: [SloReader, SloPolicyService, SloStatusService],
})
export class SloModule {}
