import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications: org webhook endpoints (Standard Webhooks secrets, rotation), the transactional
 * outbox (one row per event and endpoint; its id is the delivery id) and the log of delivery attempts.
 */
export class Notifications1763820000000 implements MigrationInterface {
  name = 'Notifications1763820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
        event_types text[] NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL DEFAULT true,
        secret text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]+={0,2}$'),
        previous_secret text CHECK (previous_secret IS NULL OR previous_secret ~ '^whsec_[A-Za-z0-9+/]+={0,2}$'),
        previous_secret_expires_at timestamptz,
        disabled_reason text,
        disabled_at timestamptz,
        failing_since timestamptz,
        consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
        last_success_at timestamptz,
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL)),
        CHECK (enabled OR disabled_at IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (org_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE notification_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        endpoint_id uuid REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        target_url text NOT NULL,
        event_type text NOT NULL CHECK (event_type ~ '^[a-z][a-z0-9_.]*$'),
        data jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        round integer NOT NULL DEFAULT 0 CHECK (round >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        dead_reason text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
        CHECK ((status = 'dead') = (dead_reason IS NOT NULL))
      )`);
    // One delivery per event and endpoint; the platform endpoint (endpoint_id NULL) counts as one endpoint.
    await q.query(`CREATE UNIQUE INDEX notification_outbox_event_endpoint_uq ON notification_outbox (event_id, endpoint_id) NULLS NOT DISTINCT`);
    await q.query(`CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status IN ('pending', 'sending')`);
    await q.query(`CREATE INDEX notification_outbox_org_idx ON notification_outbox (org_id, created_at DESC)`);
    await q.query(`CREATE INDEX notification_outbox_endpoint_idx ON notification_outbox (endpoint_id, created_at DESC)`);
    await q.query(`CREATE INDEX notification_outbox_dead_idx ON notification_outbox (updated_at) WHERE status = 'dead'`);
    await q.query(`
      CREATE TABLE webhook_delivery_attempts (
        id bigserial PRIMARY KEY,
        outbox_id uuid NOT NULL REFERENCES notification_outbox(id) ON DELETE CASCADE,
        endpoint_id uuid REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        attempt integer NOT NULL CHECK (attempt >= 1),
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'failed')),
        status_code integer,
        latency_ms integer NOT NULL CHECK (latency_ms >= 0),
        error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_delivery_attempts_endpoint_idx ON webhook_delivery_attempts (endpoint_id, id DESC)`);
    await q.query(`CREATE INDEX webhook_delivery_attempts_outbox_idx ON webhook_delivery_attempts (outbox_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS webhook_delivery_attempts`);
    await q.query(`DROP TABLE IF EXISTS notification_outbox`);
    await q.query(`DROP TABLE IF EXISTS webhook_endpoints`);
  }
}
