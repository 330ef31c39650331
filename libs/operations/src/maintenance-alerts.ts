import { Injectable } from '@nestjs/common';
import { ActivityService } from '@greenlight/platform';
import { NotificationOutbox } from '@greenlight/notifications';

export interface MaintenanceAlert {
  org_id: string;
  schedule_name: string | null;
  anomalies: { kind: string; value: number; threshold: number }[];
  fingerprint: string;
  forced: boolean;
  summary: Record<string, unknown> | object;
}

export interface AlertDelivery {
  delivered: boolean;
  /** Where the alert went, e.g. `activity_feed`. */
  channel: string | null;
  error?: string;
}

/** Where schedule-anomaly alerts go. */
export interface MaintenanceAlertNotifier {
  send(alert: MaintenanceAlert): Promise<AlertDelivery>;
}

export const MAINTENANCE_ALERT_NOTIFIER = Symbol('MAINTENANCE_ALERT_NOTIFIER');

/**
 * Delivers schedule-anomaly alerts to the org's activity feed (`queue_schedule_anomaly` events) and,
 * in the same transaction, as a `queue_schedule_anomaly` notification to the org's webhook endpoints
 * (the transactional outbox; signed delivery with retries by the worker).
 */
@Injectable()
export class OutboxAlertNotifier implements MaintenanceAlertNotifier {
  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly activity: ActivityService,
  ) {}

  async send(alert: MaintenanceAlert): Promise<AlertDelivery> {
    const metadata = {
      schedule_name: alert.schedule_name,
      anomalies: alert.anomalies,
      fingerprint: alert.fingerprint,
      forced: alert.forced,
      summary: alert.summary,
    };
    let webhooks = 0;
    await this.outbox.withEvents(async (m, emit) => {
      await this.activity.record(m, null, { org_id: alert.org_id, event_type: 'queue_schedule_anomaly', metadata });
      webhooks = (await emit({ org_id: alert.org_id, event_type: 'queue_schedule_anomaly', data: metadata as Record<string, unknown> })).length;
    });
    return { delivered: true, channel: webhooks > 0 ? 'activity_feed+webhooks' : 'activity_feed' };
  }
}
