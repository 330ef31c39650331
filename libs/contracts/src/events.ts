/**
 * The notification events Greenlight sends to webhook endpoints. Endpoints filter on these names;
 * the ones of features not built yet are listed so that filters can name them today.
 */
export const WEBHOOK_EVENT_TYPES = [
  'eval_run.completed',
  'eval_run.failed',
  'regression_detected',
  'pattern_status_changed',
  'slo_violation',
  'launch_decision_changed',
  'remediation_verified',
  'contract_drift_patterns_promoted',
  'queue_schedule_anomaly',
  'contract_drift_anomaly',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
