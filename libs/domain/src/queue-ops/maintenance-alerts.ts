import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ActivityService } from '../activity/activity.service';

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
 * Delivers schedule-anomaly alerts to the org's activity feed (`queue_schedule_anomaly` events).
 * Webhook delivery arrives with the notifications outbox; it will replace this binding.
 */
@Injectable()
export class ActivityFeedAlertNotifier implements MaintenanceAlertNotifier {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly activity: ActivityService,
  ) {}

  async send(alert: MaintenanceAlert): Promise<AlertDelivery> {
    await this.activity.record(this.db.manager, null, {
      org_id: alert.org_id,
      event_type: 'queue_schedule_anomaly',
      metadata: { schedule_name: alert.schedule_name, anomalies: alert.anomalies, fingerprint: alert.fingerprint, forced: alert.forced, summary: alert.summary },
    });
    return { delivered: true, channel: 'activity_feed' };
  }
}
