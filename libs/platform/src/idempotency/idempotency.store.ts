import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { canonicalJson } from './canonical-json';

export interface IdempotencyRequest {
  api_key_id: string;
  key: string;
  method: string;
  path: string;
  body: unknown;
}

export type IdempotencyClaim =
  | { outcome: 'acquired'; record_id: string; claim: string }
  | { outcome: 'replay'; response_status: number; response_body: unknown }
  | { outcome: 'in_progress' }
  | { outcome: 'mismatch' };

/** A claim left in progress this long is taken to belong to a crashed process and may be taken over. */
const STALE_IN_PROGRESS_SECONDS = 300;

/**
 * Postgres-backed Idempotency-Key records. `claim` is one atomic INSERT … ON CONFLICT, so of two
 * identical requests arriving together exactly one acquires the key and runs the handler.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  static requestHash(method: string, path: string, body: unknown): string {
    return createHash('sha256')
      .update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body ?? null)}`)
      .digest('hex');
  }

  async claim(req: IdempotencyRequest): Promise<IdempotencyClaim> {
    const hash = IdempotencyStore.requestHash(req.method, req.path, req.body);
    const ttlHours = this.config.get('IDEMPOTENCY_TTL_HOURS');
    // A record can vanish between our failed insert and the read (its request failed and released
    // it), so try a few times before giving up.
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted: { id: string; claim: string }[] = await this.db.query(
        `INSERT INTO idempotency_records (api_key_id, idempotency_key, method, path, request_hash, status, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'in_progress', now() + make_interval(hours => $6))
         ON CONFLICT (api_key_id, idempotency_key) DO UPDATE
           SET method = EXCLUDED.method, path = EXCLUDED.path, request_hash = EXCLUDED.request_hash,
               status = 'in_progress', response_status = NULL, response_body = NULL,
               expires_at = EXCLUDED.expires_at, created_at = now(), updated_at = now()
           WHERE idempotency_records.expires_at < now()
              OR (idempotency_records.status = 'in_progress'
                  AND idempotency_records.updated_at < now() - make_interval(secs => $7))
         RETURNING id, created_at::text AS claim`,
        [req.api_key_id, req.key, req.method.toUpperCase(), req.path, hash, ttlHours, STALE_IN_PROGRESS_SECONDS],
      );
      // The claim time is the owner's token: after a stale takeover, the first owner's late complete or
      // release matches nothing and cannot overwrite or delete the new owner's record.
      if (inserted.length > 0) return { outcome: 'acquired', record_id: inserted[0].id, claim: inserted[0].claim };

      const existing: { request_hash: string; status: string; response_status: number | null; response_body: unknown }[] = await this.db.query(
        `SELECT request_hash, status, response_status, response_body FROM idempotency_records
           WHERE api_key_id = $1 AND idempotency_key = $2`,
        [req.api_key_id, req.key],
      );
      if (existing.length === 0) continue;
      const row = existing[0];
      if (row.request_hash !== hash) return { outcome: 'mismatch' };
      if (row.status === 'in_progress') return { outcome: 'in_progress' };
      return { outcome: 'replay', response_status: row.response_status ?? 200, response_body: row.response_body };
    }
    return { outcome: 'in_progress' };
  }

  /** Stores the response of a request that succeeded, for replay. */
  async complete(recordId: string, claim: string, status: number, body: unknown): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_records SET status = 'completed', response_status = $2, response_body = $3::jsonb, updated_at = now()
       WHERE id = $1 AND created_at = $4::timestamptz AND status = 'in_progress'`,
      [recordId, status, JSON.stringify(body ?? null), claim],
    );
  }

  /** Forgets a claim whose request failed, so the client can retry with the same key. */
  async release(recordId: string, claim: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_records WHERE id = $1 AND created_at = $2::timestamptz AND status = 'in_progress'`, [recordId, claim]);
  }

  /** Deletes expired records; returns how many. */
  async purgeExpired(limit = 10_000): Promise<number> {
    // For DELETE, TypeORM's postgres driver answers [rows, rowCount].
    const [, count]: [unknown[], number] = await this.db.query(
      `DELETE FROM idempotency_records WHERE id IN (
         SELECT id FROM idempotency_records WHERE expires_at < now() LIMIT $1)`,
      [limit],
    );
    return count;
  }
}
