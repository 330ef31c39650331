import { randomUUID } from 'node:crypto';
import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { platformModules } from '@greenlight/http';
import {
  deliverJobId,
  NotificationOpsService,
  NotificationOutbox,
  NotificationsModule,
  WebhookDeliveryService,
  WebhookEndpointsService,
} from '@greenlight/notifications';
import { Clock, ManualClock } from '@greenlight/platform';
import { JobProducer } from '@greenlight/queue';
import type { Actor } from '@greenlight/tenancy';
import { bootstrapOrg } from '../scripts/bootstrap';
import { uniqueName } from './support/harness';
import { ReceivedWebhook, startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const ENV = {
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE_MS: String(MINUTE) + ',' + String(10 * MINUTE),
  WEBHOOK_MAX_RETRY_AFTER_MS: String(30 * MINUTE),
  WEBHOOK_DISABLE_AFTER_MS: String(HOUR),
  WEBHOOK_SECRET_GRACE_MS: String(24 * HOUR),
  WEBHOOK_TIMEOUT_MS: '2000',
  QUEUE_MAINTENANCE_INTERVAL_MS: '0',
};

/**
 * The time rules of webhook delivery — the retry schedule, Retry-After and its cap, the disable
 * window, the sweeper's grace and the sending lease, the rotated secret's grace and dead-letter ages —
 * all read the injected Clock. Here it is a ManualClock the test moves: hours pass in no time and
 * nothing sleeps. No worker runs: the test makes each attempt itself, exactly when it wants.
 */
describe('webhook time rules follow the clock', () => {
  const clock = new ManualClock();
  let moduleRef: TestingModule;
  let db: DataSource;
  let endpoints: WebhookEndpointsService;
  let delivery: WebhookDeliveryService;
  let ops: NotificationOpsService;
  let outbox: NotificationOutbox;
  let receiver: WebhookReceiver;
  let admin: Actor;
  let otherAdmin: Actor;

  beforeAll(async () => {
    const config = AppConfig.fromEnv({ ...process.env, ...ENV });
    moduleRef = await Test.createTestingModule({ imports: [...platformModules(config, 'api'), NotificationsModule] })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    await moduleRef.init();
    db = moduleRef.get(DataSource);
    endpoints = moduleRef.get(WebhookEndpointsService);
    delivery = moduleRef.get(WebhookDeliveryService);
    ops = moduleRef.get(NotificationOpsService);
    outbox = moduleRef.get(NotificationOutbox);
    receiver = await startWebhookReceiver();
    const actorOf = async (): Promise<Actor> => {
      const { org_id } = await bootstrapOrg(config, uniqueName('Clock Org'));
      return { key_id: randomUUID(), org_id, role: 'admin', request_id: randomUUID() };
    };
    [admin, otherAdmin] = [await actorOf(), await actorOf()];
  });
  afterAll(async () => {
    await moduleRef?.close();
    await receiver?.close();
  });

  type Answer = { status: number; headers?: Record<string, string> };
  /** How the receiver answers, by request path (one path per endpoint); 200 elsewhere. */
  const answers = new Map<string, (hook: ReceivedWebhook) => Answer>();
  beforeAll(() => receiver.behave((hook) => answers.get(hook.path)?.(hook) ?? { status: 200 }));

  /** An endpoint of the admin's org at its own receiver path, answering with `answer`. */
  async function endpointAnswering(name: string, answer: (hook: ReceivedWebhook) => Answer) {
    const url = `${receiver.url}/${name}-${randomUUID().slice(0, 8)}`;
    answers.set(new URL(url).pathname, answer);
    return endpoints.create(admin, { url });
  }

  const outboxRow = async (id: string) =>
    (await db.query(`SELECT status, attempts, next_attempt_at, dead_reason FROM notification_outbox WHERE id = $1`, [id]))[0];

  it('retries on the schedule, a longer Retry-After up to its cap, then dead — each attempt only once it is due by the clock', async () => {
    let calls = 0;
    const { endpoint } = await endpointAnswering('schedule', () => (++calls === 2 ? { status: 503, headers: { 'Retry-After': '7200' } } : { status: 500 }));
    const first = await endpoints.test(admin, endpoint.id);
    expect(first).toMatchObject({ outcome: 'retrying', attempt: 1, status_code: 500 });
    expect(first.next_attempt_at!.getTime()).toBe(clock.now() + MINUTE);

    // Due in a minute: not before (a delayed job may fire up to a second early), then yes.
    expect((await delivery.deliver(first.delivery_id)).outcome).toBe('skipped');
    clock.advance(MINUTE - 2000);
    expect((await delivery.deliver(first.delivery_id)).outcome).toBe('skipped');
    clock.advance(2000);
    const second = await delivery.deliver(first.delivery_id);
    // The receiver asked for 2 h; the cap is 30 min, longer than the schedule's 10 min.
    expect(second).toMatchObject({ outcome: 'retrying', attempt: 2, status_code: 503 });
    expect(second.next_attempt_at!.getTime()).toBe(clock.now() + 30 * MINUTE);

    clock.advance(20 * MINUTE);
    expect((await delivery.deliver(first.delivery_id)).outcome).toBe('skipped');
    clock.advance(10 * MINUTE);
    expect(await delivery.deliver(first.delivery_id)).toMatchObject({ outcome: 'dead', attempt: 3 });
    expect(await outboxRow(first.delivery_id)).toMatchObject({ status: 'dead', attempts: 3, dead_reason: 'retries_exhausted' });
    expect(calls).toBe(3);
  });

  it('an endpoint failing every delivery for longer than WEBHOOK_DISABLE_AFTER_MS is disabled; a success starts the window again', async () => {
    let healthy = false;
    const { endpoint } = await endpointAnswering('down', () => ({ status: healthy ? 200 : 502 }));
    const failing = () => endpoints.test(admin, endpoint.id);
    expect((await failing()).outcome).toBe('retrying');
    clock.advance(HOUR);
    expect((await failing()).outcome).toBe('retrying');
    expect(await endpoints.get(admin, endpoint.id)).toMatchObject({ enabled: true, consecutive_failures: 2 });

    // One success clears the streak: the next failure opens a new window.
    healthy = true;
    expect((await endpoints.test(admin, endpoint.id)).outcome).toBe('delivered');
    healthy = false;
    clock.advance(1);
    await failing();
    clock.advance(HOUR);
    await failing();
    expect(await endpoints.get(admin, endpoint.id)).toMatchObject({ enabled: true, failing_since: new Date(clock.now() - HOUR) });

    clock.advance(1);
    await failing();
    const disabled = await endpoints.get(admin, endpoint.id);
    expect(disabled).toMatchObject({ enabled: false, disabled_at: clock.date(), consecutive_failures: 3 });
    expect(disabled.disabled_reason).toMatch(/every delivery failed since/);
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM activity_events WHERE event_type = 'webhook_endpoint_disabled' AND metadata->>'endpoint_id' = $1`,
      [endpoint.id],
    );
    expect(n).toBe(1);
  });

  it('the sweeper enqueues a due delivery that lost its job only after its grace; a sending row is taken back once its lease ran out', async () => {
    const { endpoint } = await endpointAnswering('swept', () => ({ status: 200 }));
    // Recorded but never enqueued: the process died between the commit and the enqueue.
    const [ref] = await db.transaction((m) => outbox.record(m, { org_id: admin.org_id!, event_type: 'webhook.test', data: { swept: true } }, endpoint.id));
    const queue = moduleRef.get(JobProducer).queue(QueueName.Notifications);
    clock.advance(4000);
    await delivery.sweep();
    expect(await queue.getJob(deliverJobId(ref))).toBeUndefined();
    clock.advance(2000);
    await delivery.sweep();
    expect(await queue.getJob(deliverJobId(ref))).toBeDefined();

    // A worker claimed it and died mid-attempt: the row stays `sending` until the lease (2 × timeout + 5 s) ran out.
    await db.query(`UPDATE notification_outbox SET status = 'sending', attempts = 1, last_attempt_at = $2 WHERE id = $1`, [ref.id, clock.date()]);
    clock.advance(8000);
    expect((await delivery.deliver(ref.id)).outcome).toBe('skipped');
    clock.advance(1001);
    expect(await delivery.deliver(ref.id)).toMatchObject({ outcome: 'delivered', attempt: 2 });
  });

  it('a rotated-out secret signs as a second signature for WEBHOOK_SECRET_GRACE_MS, then no more', async () => {
    const { endpoint } = await endpointAnswering('rotate', () => ({ status: 200 }));
    const signaturesOf = async () => {
      const { delivery_id } = await endpoints.test(admin, endpoint.id);
      const hook = receiver.received.find((r) => r.headers['webhook-id'] === delivery_id)!;
      return (hook.headers['webhook-signature'] as string).split(' ').length;
    };
    const rotated = await endpoints.rotateSecret(admin, endpoint.id);
    expect(rotated.endpoint.previous_secret_expires_at).toEqual(new Date(clock.now() + 24 * HOUR));
    expect(await signaturesOf()).toBe(2);
    clock.advance(24 * HOUR - 1);
    expect(await signaturesOf()).toBe(2);
    clock.advance(1);
    expect(await signaturesOf()).toBe(1);
    expect((await endpoints.get(admin, endpoint.id)).previous_secret_expires_at).toBeNull();
  });

  it('dead letters are aged by the clock, per org', async () => {
    const before = await ops.deadLetterSummary(admin, {});
    expect(before.total_dead).toBeGreaterThanOrEqual(1);
    expect(before.age_buckets.gte_7d).toBe(0);
    clock.advance(8 * 24 * HOUR);
    const after = await ops.deadLetterSummary(admin, {});
    expect(after.age_buckets).toEqual({ lt_1h: 0, h_1_to_24: 0, d_1_to_7: 0, gte_7d: before.total_dead });
    expect(after.oldest_dead_age_seconds).toBeGreaterThanOrEqual(8 * 24 * 3600);
    expect((await ops.deadLetterSummary(otherAdmin, {})).total_dead).toBe(0);
  });
});
