import type { EntityManager } from 'typeorm';
import type { RegistryKind, RunRegistryEntity } from '@greenlight/database';

/**
 * The writes of the registry, shared by the upsert and the promotion. Every write of an agent's
 * registry runs in a transaction that first takes the agent's registry lock, so two activations of
 * the same kind queue up instead of racing into the one-active index.
 */

/** Serialises registry writes of one agent until the transaction ends (an advisory lock, no row is held). */
export async function lockAgentRegistry(manager: EntityManager, agentId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`run_registry:${agentId}`]);
}

/** Deactivates the active entry of a kind unless it is `keepName`; answers the entry it deactivated. */
export async function deactivateActive(manager: EntityManager, agentId: string, kind: RegistryKind, keepName: string): Promise<RunRegistryEntity | null> {
  const [rows] = (await manager.query(
    `UPDATE run_registry SET is_active = false, updated_at = now()
     WHERE agent_id = $1 AND kind = $2 AND is_active AND name <> $3
     RETURNING *`,
    [agentId, kind, keepName],
  )) as [RunRegistryEntity[], number];
  return rows[0] ?? null;
}

export interface EntryWrite {
  org_id: string;
  agent_id: string;
  kind: RegistryKind;
  name: string;
  run_id: string;
  /** true or false sets the state; undefined keeps an existing entry's state (a new one starts inactive). */
  active?: boolean;
  /** undefined keeps an existing entry's notes. */
  notes?: string | null;
  /** Set by a promotion; otherwise kept while the entry keeps pointing at the same run, cleared when it moves. */
  promoted_from_compare_id?: string;
}

/** Inserts or updates the entry (agent, kind, name); answers the row and whether it was created. */
export async function writeEntry(manager: EntityManager, w: EntryWrite): Promise<{ row: RunRegistryEntity; created: boolean }> {
  const rows = (await manager.query(
    `INSERT INTO run_registry (org_id, agent_id, kind, name, run_id, is_active, notes, promoted_from_compare_id)
     VALUES ($1, $2, $3, $4, $5, COALESCE($6::boolean, false), $7, $8::uuid)
     ON CONFLICT (agent_id, kind, name) DO UPDATE SET
       promoted_from_compare_id = CASE
         WHEN $8::uuid IS NOT NULL THEN $8::uuid
         WHEN run_registry.run_id = EXCLUDED.run_id THEN run_registry.promoted_from_compare_id
         ELSE NULL END,
       run_id = EXCLUDED.run_id,
       is_active = COALESCE($6::boolean, run_registry.is_active),
       notes = CASE WHEN $9::boolean THEN EXCLUDED.notes ELSE run_registry.notes END,
       updated_at = now()
     RETURNING *, (xmax = 0) AS created`,
    [w.org_id, w.agent_id, w.kind, w.name, w.run_id, w.active ?? null, w.notes ?? null, w.promoted_from_compare_id ?? null, w.notes !== undefined],
  )) as (RunRegistryEntity & { created: boolean })[];
  const { created, ...row } = rows[0];
  return { row: row as RunRegistryEntity, created };
}
