import { ActivityEventEntity } from './activity-event.entity';
import { AgentEntity } from './agent.entity';
import { ApiAuditLogEntity } from './api-audit-log.entity';
import { ApiKeyEntity } from './api-key.entity';
import { EvalProfileEntity } from './eval-profile.entity';
import { EvalResultEntity, EvalRunArtifactEntity } from './eval-result.entity';
import { EvalRunEntity, EvalRunEventEntity } from './eval-run.entity';
import { EvalTemplateEntity } from './eval-template.entity';
import { GoldenSetCaseEntity, GoldenSetCaseReviewEntity } from './golden-set-case.entity';
import { GoldenSetEntity } from './golden-set.entity';
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { NotificationOutboxEntity, WebhookDeliveryAttemptEntity, WebhookEndpointEntity } from './notification.entity';
import { OrgEntity } from './org.entity';
import { QueueMaintenancePolicyEntity, QueueMaintenanceRunEntity } from './queue-maintenance.entity';
import { QueueMaintenanceEventEntity } from './queue-maintenance-event.entity';

import { EvalCompareEntity, IssuePatternEntity, RunRegistryEntity } from './decision.entity';
import { CalibrationRunEntity } from './calibration.entity';
import { AgentReadinessEntity, SloPolicyEntity, SloViolationEntity } from './launch-slo.entity';
import { LaunchRecordEntity } from './launch-evidence.entity';
export * from './activity-event.entity';
export * from './agent.entity';
export * from './api-audit-log.entity';
export * from './api-key.entity';
export * from './eval-profile.entity';
export * from './eval-result.entity';
export * from './eval-run.entity';
export * from './eval-template.entity';
export * from './golden-set-case.entity';
export * from './golden-set.entity';
export * from './idempotency-record.entity';
export * from './notification.entity';
export * from './org.entity';
export * from './queue-maintenance.entity';
export * from './queue-maintenance-event.entity';
export * from './decision.entity';
export * from './calibration.entity';
export * from './launch-slo.entity';
export * from './launch-evidence.entity';

export const ENTITIES = [
  OrgEntity,
  ApiKeyEntity,
  EvalProfileEntity,
  AgentEntity,
  IdempotencyRecordEntity,
  ApiAuditLogEntity,
  ActivityEventEntity,
  GoldenSetEntity,
  GoldenSetCaseEntity,
  GoldenSetCaseReviewEntity,
  EvalTemplateEntity,
  EvalRunEntity,
  EvalRunEventEntity,
  EvalResultEntity,
  EvalRunArtifactEntity,
  QueueMaintenancePolicyEntity,
  QueueMaintenanceRunEntity,
  QueueMaintenanceEventEntity,
  IssuePatternEntity,
  EvalCompareEntity,
  RunRegistryEntity,
  CalibrationRunEntity,
  AgentReadinessEntity,
  SloPolicyEntity,
  SloViolationEntity,
  LaunchRecordEntity,
  WebhookEndpointEntity,
  NotificationOutboxEntity,
  WebhookDeliveryAttemptEntity,
];
