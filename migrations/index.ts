import { Foundation1763780000000 } from './1763780000000-Foundation';
import { EvaluationCore1763790000000 } from './1763790000000-EvaluationCore';
import { AsyncRuns1763800000000 } from './1763800000000-AsyncRuns';
import { QueueMaintenance1763810000000 } from './1763810000000-QueueMaintenance';
import { Notifications1763820000000 } from './1763820000000-Notifications';
import { MaintenanceRunLease1763831000000 } from './1763831000000-MaintenanceRunLease';
import { MaintenanceEvents1763841200000 } from './1763841200000-MaintenanceEvents';
import { DecisionLayer1763850000000 } from './1763850000000-DecisionLayer';
import { RunTrials1763860000000 } from './1763860000000-RunTrials';
import { JudgeReview1763870000000 } from './1763870000000-JudgeReview';
import { Calibration1763880000000 } from './1763880000000-Calibration';
import { CostControl1763890000000 } from './1763890000000-CostControl';
import { RateControl1763895000000 } from './1763895000000-RateControl';
import { SloReadiness1763900000000 } from './1763900000000-SloReadiness';
import { LaunchEvidence1763910000000 } from './1763910000000-LaunchEvidence';
import { HealthIndexes1763920000000 } from './1763920000000-HealthIndexes';

/** Every migration in order. Imported as classes so the same list works from ts and built js. */
export const MIGRATIONS = [
  Foundation1763780000000,
  EvaluationCore1763790000000,
  AsyncRuns1763800000000,
  QueueMaintenance1763810000000,
  Notifications1763820000000,
  MaintenanceRunLease1763831000000,
  MaintenanceEvents1763841200000,
  DecisionLayer1763850000000,
  RunTrials1763860000000,
  JudgeReview1763870000000,
  Calibration1763880000000,
  CostControl1763890000000,
  RateControl1763895000000,
  SloReadiness1763900000000,
  LaunchEvidence1763910000000,
  HealthIndexes1763920000000,
];
