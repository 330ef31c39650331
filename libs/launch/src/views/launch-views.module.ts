import { Module } from '@nestjs/common';
import { EvaluationModule } from '@greenlight/evaluation';
import { PlatformModule } from '@greenlight/platform';
import { LaunchGateModule } from '../gate';
import { AgentActivityService } from './agent-activity.service';
import { AgentHealthService } from './agent-health.service';
import { AgentSignals } from './agent-signals';
import { CompletedRunRates } from './completed-run-rates';
import { LatestDecisions } from './latest-decisions';
import { PortfolioHealthService } from './portfolio-health.service';
import { RunPoints } from './run-points';
import { ScoreTrendService } from './score-trend.service';

const SERVICES = [AgentActivityService, ScoreTrendService, AgentHealthService, PortfolioHealthService];

/** Read views of an agent's and an org's launch posture: activity, score trend, health, portfolio. */
@Module({
  imports: [PlatformModule, EvaluationModule, LaunchGateModule],
  providers: [...SERVICES, RunPoints, AgentSignals, LatestDecisions, { provide: CompletedRunRates, useFactory: () => new CompletedRunRates() }],
  exports: SERVICES,
})
export class LaunchViewsModule {}
