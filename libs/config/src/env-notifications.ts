import { eventList, int, intList, optionalText, optionalUrl, setting } from './env-rules';

/** Webhook notifications: the platform endpoint, delivery timing, retries and limits. */
export const NOTIFICATION_SETTINGS = {
  NOTIFY_WEBHOOK_URL: setting(optionalUrl(['http', 'https']), '', 'Platform-wide webhook endpoint that receives the events of every org (empty = none)'),
  NOTIFY_WEBHOOK_EVENTS: setting(eventList(), [], 'Comma-separated event types sent to NOTIFY_WEBHOOK_URL (empty = all)'),
  NOTIFY_WEBHOOK_SECRET: setting(optionalText(), '', 'Signing secret of NOTIFY_WEBHOOK_URL (whsec_<base64> or any string; empty = unsigned)'),
  WEBHOOK_TIMEOUT_MS: setting(int(100, 120_000), 15_000, 'Timeout of one webhook delivery attempt'),
  WEBHOOK_RETRY_SCHEDULE_MS: setting(
    intList(0, 7 * 86_400_000, 30),
    [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    'Delays before each retry of a failed delivery (comma-separated ms); after the last, the delivery is dead',
  ),
  WEBHOOK_MAX_RETRY_AFTER_MS: setting(int(0, 7 * 86_400_000), 3_600_000, 'Longest Retry-After of a receiver that is honoured'),
  WEBHOOK_DISABLE_AFTER_MS: setting(int(1000, 90 * 86_400_000), 5 * 86_400_000, 'An endpoint failing every delivery for this long is disabled'),
  WEBHOOK_SECRET_GRACE_MS: setting(int(0, 30 * 86_400_000), 86_400_000, 'How long a rotated-out secret still signs deliveries'),
  WEBHOOK_SWEEP_INTERVAL_MS: setting(int(100, 3_600_000), 10_000, 'How often the worker re-enqueues outbox rows that have no delivery job'),
  WEBHOOK_DELIVERY_CONCURRENCY: setting(int(1, 1000), 32, 'Webhook deliveries one worker process makes at once'),
  WEBHOOK_MAX_ENDPOINTS_PER_ORG: setting(int(1, 1000), 20, 'Most webhook endpoints one org may register'),
};
