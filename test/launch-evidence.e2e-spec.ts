import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { buildDataSourceOptions, dropDatabase, ensureDatabase, LaunchRecordEntity } from '@greenlight/database';
import { contentHash, recordContent, rowHash } from '@greenlight/launch';
import { MIGRATIONS } from '../migrations';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { createAgent, expectError, expectSuccess, expectValidation, MISSING_UUID } from './support/e2e-helpers';

const VERIFY_SCRIPT = resolve(__dirname, '../docs/verify-launch-evidence.mjs');

/**
 * Certifications and the tamper evidence of launch records: the database refuses changes, a change
 * made around it (trigger disabled) is found at the right record, exports verify offline with the
 * published key and fail after a one-byte change, and concurrent appends keep one chain.
 */
describe('launch certification and tamper-evident evidence', () => {
  let h: ApiHarness;
  let db: DataSource;
  let A: OrgKeys;
  let B: OrgKeys;
  let dir: string;
  const keys = generateKeyPairSync('ed25519');
  const pem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  const post = (key: string, path: string, body: object) => h.http.post(path).set(bearer(key)).set('Idempotency-Key', randomUUID()).send(body);
  const get = (key: string, path: string) => h.http.get(path).set(bearer(key));
  const decide = (agentId: string, decision: string, reason = `because ${decision}`) =>
    post(A.admin, `/api/v1/agents/${agentId}/launch-decision`, { decision, reason });
  const certify = (agentId: string, body: object = {}, key = A.admin) => post(key, `/api/v1/agents/${agentId}/launch-certify`, body);
  const verify = async (agentId: string) => expectSuccess(await get(A.viewer, `/api/v1/agents/${agentId}/launch-evidence/verify`), 200);
  /** Runs SQL on launch_records with the append-only trigger switched off, as an intruder with table rights would. */
  const tamper = async (sql: string, params: unknown[]) => {
    await db.query(`ALTER TABLE launch_records DISABLE TRIGGER launch_records_no_change`);
    try {
      await db.query(sql, params);
    } finally {
      await db.query(`ALTER TABLE launch_records ENABLE TRIGGER launch_records_no_change`);
    }
  };
  const runScript = (bundleFile: string, keyFile: string) => {
    const out = spawnSync(process.execPath, [VERIFY_SCRIPT, bundleFile, keyFile], { encoding: 'utf8' });
    return { status: out.status, verdict: out.stdout ? JSON.parse(out.stdout) : null, stderr: out.stderr };
  };

  async function completedRun(agentId: string, setId: string): Promise<string> {
    const id = expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: setId }), 202).id as string;
    expectSuccess(await post(A.member, `/api/v1/eval/runs/${id}/execute`, {}), 200);
    return id;
  }

  /** An agent with two completed runs, a stored compare, a calibration, an SLO policy and readiness. */
  async function seasonedAgent() {
    const agent = await createAgent(h, A.member);
    const cases = Array.from({ length: 4 }, (_, i) => ({ input: `question ${i}`, expected_answer: `answer ${i}` }));
    const up = expectSuccess(await post(A.member, '/api/v1/golden-sets/upload', { agent_id: agent.id, name: uniqueName('Set'), cases }), 201);
    const run1 = await completedRun(agent.id, up.golden_set.id);
    const run2 = await completedRun(agent.id, up.golden_set.id);
    const compare = expectSuccess(await post(A.member, '/api/v1/eval/compares', { baseline_run_id: run1, candidate_run_id: run2 }), 201);
    const rows: { case_id: string }[] = await db.query(`SELECT case_id FROM eval_results WHERE run_id = $1 ORDER BY case_id`, [run2]);
    for (const [i, r] of rows.entries())
      await db.query(`UPDATE eval_results SET passed = $3 WHERE run_id = $1 AND case_id = $2`, [run2, r.case_id, i % 2 === 0]);
    const labels = rows.map((r, i) => ({ case_id: r.case_id, passed: i % 2 === 0 }));
    const calibration = expectSuccess(await post(A.member, '/api/v1/calibration/runs', { run_id: run2, labels }), 201);
    await db.query(`INSERT INTO slo_policies (org_id, agent_id, thresholds) VALUES ($1, $2, $3::jsonb)`, [
      A.org_id,
      agent.id,
      JSON.stringify({ require_calibration_gate: true, min_pass_rate: 0.1 }),
    ]);
    const items = [{ key: 'legal', title: 'Legal review', owner: 'legal@example.com', status: 'done', note: null }];
    await db.query(`INSERT INTO agent_readiness (org_id, agent_id, items, pending_count) VALUES ($1, $2, $3::jsonb, 0)`, [
      A.org_id,
      agent.id,
      JSON.stringify(items),
    ]);
    return { id: agent.id as string, run1, run2, compare, calibration };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'launch-evidence-'));
    h = await startApi({ LAUNCH_EVIDENCE_SIGNING_KEY: pem });
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('certifies: blocked with the blockers while the gate is blocked, certified once clear, with the whole snapshot', async () => {
    const a = await seasonedAgent();
    const p = expectSuccess(await post(A.member, `/api/v1/agents/${a.id}/patterns`, { title: 'unsafe', priority: 'critical' }), 201);
    const blocked = expectSuccess(await certify(a.id, { note: 'pre-launch review' }), 201);
    expect(blocked).toMatchObject({
      kind: 'certification',
      certification_status: 'blocked',
      gate_status: 'blocked',
      decision: null,
      seq: 1,
      reason: 'pre-launch review',
    });
    expect(blocked.evidence.gate.blockers.map((b: { kind: string }) => b.kind)).toEqual(['critical_issue_patterns']);
    await db.query(`UPDATE issue_patterns SET status = 'resolved', resolved_date = now() WHERE id = $1`, [p.id]);
    const cert = expectSuccess(await certify(a.id), 201);
    expect(cert).toMatchObject({ certification_status: 'certified', gate_status: 'pass', seq: 2, reason: null, prev_hash: blocked.row_hash });
    const ev = cert.evidence;
    expect(ev.gate).toMatchObject({ status: 'pass', blockers: [] });
    expect(ev.runs.map((r: { id: string }) => r.id)).toEqual([a.run2, a.run1]);
    expect(ev.runs[0]).toMatchObject({ judge_config_hash: expect.stringMatching(/^[0-9a-f]{64}$/), total_cases: 4 });
    expect(ev.runs[0].rates).toMatchObject({ result_count: 4, pass_rate: 0.5 });
    expect(ev.compare).toMatchObject({ id: a.compare.id, baseline_run_id: a.run1, candidate_run_id: a.run2, verdict: a.compare.verdict });
    expect(ev.compare.statistics).toEqual(a.compare.statistics);
    expect(ev.slo).toMatchObject({
      policy: { version: 1, thresholds: { require_calibration_gate: true, min_pass_rate: 0.1 } },
      open_violation_count: 0,
      open_violations: [],
    });
    expect(ev.calibration).toMatchObject({ required: true, latest: { id: a.calibration.id, run_id: a.run2 }, gate: { status: 'pass', reasons: [] } });
    expect(ev.readiness).toMatchObject({ pending_count: 0, items: [{ key: 'legal', status: 'done' }] });
    const list = expectSuccess(await get(A.viewer, `/api/v1/agents/${a.id}/launch-certifications`), 200);
    expect(list.items.map((c: { id: string }) => c.id)).toEqual([cert.id, blocked.id]);
    // decisions continue the same chain
    expect(expectSuccess(await decide(a.id, 'go'), 201)).toMatchObject({ seq: 3, prev_hash: cert.row_hash });
    expect(expectSuccess(await get(A.viewer, `/api/v1/agents/${a.id}/launch-certifications`), 200).total).toBe(2);
    expect(await verify(a.id)).toEqual({ valid: true, checked: 3, first_broken: null });
    const acts = await db.query(`SELECT count(*)::int AS n FROM activity_events WHERE agent_id = $1 AND event_type = 'launch_certification_created'`, [a.id]);
    expect(acts[0].n).toBe(2);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE of launch records', async () => {
    const agent = await createAgent(h, A.member);
    const rec = expectSuccess(await decide(agent.id, 'no_go'), 201);
    await expect(db.query(`UPDATE launch_records SET reason = 'rewritten' WHERE id = $1`, [rec.id])).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.query(`DELETE FROM launch_records WHERE id = $1`, [rec.id])).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.query(`TRUNCATE launch_records`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    const [row] = await db.query(`SELECT reason FROM launch_records WHERE id = $1`, [rec.id]);
    expect(row.reason).toBe('because no_go');
    expect(await verify(agent.id)).toEqual({ valid: true, checked: 1, first_broken: null });
  });

  it('an edit made around the trigger is found at the edited record; a removed record at the next one', async () => {
    const agent = await createAgent(h, A.member);
    const recs = [];
    for (const d of ['no_go', 'rollback', 'no_go', 'rollback']) recs.push(expectSuccess(await decide(agent.id, d), 201));
    expectSuccess(await certify(agent.id), 201);
    expect(await verify(agent.id)).toEqual({ valid: true, checked: 5, first_broken: null });
    // one changed word in the reason of seq 3
    await tamper(`UPDATE launch_records SET reason = 'because go' WHERE id = $1`, [recs[2].id]);
    expect(await verify(agent.id)).toEqual({ valid: false, checked: 3, first_broken: { seq: 3, id: recs[2].id, reason: 'content_hash_mismatch' } });
    // put back, the chain is whole again; then a number deep inside the evidence of seq 2
    await tamper(`UPDATE launch_records SET reason = 'because no_go' WHERE id = $1`, [recs[2].id]);
    expect((await verify(agent.id)).valid).toBe(true);
    await tamper(`UPDATE launch_records SET evidence = jsonb_set(evidence, '{gate,signals,readiness_pending}', '7') WHERE id = $1`, [recs[1].id]);
    expect((await verify(agent.id)).first_broken).toEqual({ seq: 2, id: recs[1].id, reason: 'content_hash_mismatch' });
    await tamper(`UPDATE launch_records SET evidence = $2::jsonb WHERE id = $1`, [recs[1].id, JSON.stringify(recs[1].evidence)]);
    expect((await verify(agent.id)).valid).toBe(true);
    // the time of a record is covered too
    await tamper(`UPDATE launch_records SET created_at = created_at + interval '1 second' WHERE id = $1`, [recs[0].id]);
    expect((await verify(agent.id)).first_broken).toEqual({ seq: 1, id: recs[0].id, reason: 'content_hash_mismatch' });
    await tamper(`UPDATE launch_records SET created_at = created_at - interval '1 second' WHERE id = $1`, [recs[0].id]);
    expect((await verify(agent.id)).valid).toBe(true);
    // an intruder who also recomputes the edited record's own hashes breaks the link of the next record
    const row = await db.getRepository(LaunchRecordEntity).findOneByOrFail({ id: recs[1].id });
    const forged = contentHash(recordContent({ ...row, reason: 'because go' }));
    await tamper(`UPDATE launch_records SET reason = 'because go', content_hash = $2, row_hash = $3 WHERE id = $1`, [
      row.id,
      forged,
      rowHash(row.prev_hash, forged),
    ]);
    expect((await verify(agent.id)).first_broken).toEqual({ seq: 3, id: recs[2].id, reason: 'prev_hash_mismatch' });
    await tamper(`UPDATE launch_records SET reason = $2, content_hash = $3, row_hash = $4 WHERE id = $1`, [row.id, row.reason, row.content_hash, row.row_hash]);
    expect((await verify(agent.id)).valid).toBe(true);
    await tamper(`DELETE FROM launch_records WHERE id = $1`, [recs[1].id]);
    expect(await verify(agent.id)).toEqual({ valid: false, checked: 2, first_broken: { seq: 3, id: recs[2].id, reason: 'seq_gap' } });
  });

  it('an exported bundle verifies offline with the published key, and fails after one byte changes', async () => {
    const a = await seasonedAgent();
    expectSuccess(await decide(a.id, 'no_go', 'waiting for the review'), 201);
    expectSuccess(await certify(a.id), 201);
    expectSuccess(await decide(a.id, 'go', 'review passed'), 201);
    const pub = expectSuccess(await get(A.viewer, '/api/v1/launch-evidence/public-key'), 200);
    expect(pub).toMatchObject({ algorithm: 'Ed25519', key_id: expect.stringMatching(/^ed25519:[0-9a-f]{16}$/) });
    expect(pub.public_key_pem).toBe(keys.publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const res = await get(A.viewer, `/api/v1/agents/${a.id}/launch-evidence/export`);
    const exported = expectSuccess(res, 200);
    expect(exported.signature).toMatchObject({ algorithm: 'Ed25519', key_id: pub.key_id });
    expect(exported.bundle).toMatchObject({ agent_id: a.id, org_id: A.org_id, record_count: 3, verification: { valid: true, checked: 3 } });
    expect(exported.bundle.records.map((r: any) => r.content.reason)).toEqual(['waiting for the review', null, 'review passed']);
    expect(exported.bundle.referenced.runs.map((r: { id: string }) => r.id).sort()).toEqual([a.run1, a.run2].sort());
    expect(exported.bundle.referenced.compares.map((c: { id: string }) => c.id)).toEqual([a.compare.id]);

    const keyFile = join(dir, 'public.pem');
    writeFileSync(keyFile, pub.public_key_pem);
    const good = join(dir, 'good.json');
    writeFileSync(good, res.text);
    const ok = runScript(good, keyFile);
    expect(ok).toMatchObject({ status: 0, verdict: { valid: true, signature_valid: true, head_valid: true, chain: { valid: true, checked: 3 } } });

    // one byte of one reason: the signature no longer holds
    const text = readFileSync(good, 'utf8');
    const at = text.indexOf('review passed');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, `${text.slice(0, at)}R${text.slice(at + 1)}`);
    expect(runScript(bad, keyFile)).toMatchObject({ status: 1, verdict: { valid: false, signature_valid: false } });
    // another key does not verify it either
    const otherKey = join(dir, 'other.pem');
    writeFileSync(otherKey, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString());
    expect(runScript(good, otherKey)).toMatchObject({ status: 1, verdict: { signature_valid: false } });

    // a bundle whose chain was broken in the database is signed as it is, and the script names the link
    const [first] = await db.query(`SELECT id FROM launch_records WHERE agent_id = $1 AND seq = 1`, [a.id]);
    await tamper(`UPDATE launch_records SET reason = 'waiting for nothing' WHERE id = $1`, [first.id]);
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, (await get(A.viewer, `/api/v1/agents/${a.id}/launch-evidence/export`)).text);
    expect(runScript(tampered, keyFile)).toMatchObject({
      status: 1,
      verdict: { signature_valid: true, chain: { valid: false, first_broken: { seq: 1, id: first.id, reason: 'content_hash_mismatch' } } },
    });
  });

  it('concurrent decisions and certifications of one agent keep one linear chain', async () => {
    const agent = await createAgent(h, A.member);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 4 === 3 ? certify(agent.id) : decide(agent.id, i % 2 === 0 ? 'no_go' : 'rollback', `reason ${i}`))),
    );
    for (const r of answers) expectSuccess(r, 201);
    const seqs = answers.map((r) => r.body.data.seq).sort((x: number, y: number) => x - y);
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await verify(agent.id)).toEqual({ valid: true, checked: 12, first_broken: null });
  });

  it('roles and tenancy for every evidence operation', async () => {
    const agent = await createAgent(h, A.member);
    expectError(await certify(agent.id, {}, A.member), 403, 'FORBIDDEN');
    expectError(await certify(agent.id, {}, A.viewer), 403, 'FORBIDDEN');
    expectError(await certify(agent.id, {}, B.admin), 404, 'NOT_FOUND');
    expectError(await certify(MISSING_UUID), 404, 'NOT_FOUND');
    expectValidation(await certify(agent.id, { note: '' }), ['note']);
    expectValidation(await certify(agent.id, { note: 5 }), ['note']);
    expectValidation(await certify(agent.id, { status: 'certified' }));
    for (const path of ['launch-certifications', 'launch-evidence/verify', 'launch-evidence/export']) {
      expectSuccess(await get(A.viewer, `/api/v1/agents/${agent.id}/${path}`), 200);
      expectError(await get(B.admin, `/api/v1/agents/${agent.id}/${path}`), 404, 'NOT_FOUND');
      expectError(await get(A.viewer, `/api/v1/agents/${MISSING_UUID}/${path}`), 404, 'NOT_FOUND');
      expectError(await h.http.get(`/api/v1/agents/${agent.id}/${path}`), 401, 'UNAUTHORIZED');
    }
    expectSuccess(await get(B.viewer, '/api/v1/launch-evidence/public-key'), 200);
    expectError(await h.http.get('/api/v1/launch-evidence/public-key'), 401, 'UNAUTHORIZED');
    expect(await verify(agent.id)).toEqual({ valid: true, checked: 0, first_broken: null });
  });

  it('without a signing key, export and the public key answer 503 and verify still works', async () => {
    const unsigned = await startApi({ LAUNCH_EVIDENCE_SIGNING_KEY: '' });
    try {
      const agent = await createAgent(unsigned, A.member);
      const err = expectError(await unsigned.http.get(`/api/v1/agents/${agent.id}/launch-evidence/export`).set(bearer(A.viewer)), 503, 'SERVICE_UNAVAILABLE');
      expect(err.message).toMatch(/LAUNCH_EVIDENCE_SIGNING_KEY/);
      expectError(await unsigned.http.get('/api/v1/launch-evidence/public-key').set(bearer(A.viewer)), 503, 'SERVICE_UNAVAILABLE');
      expectSuccess(await unsigned.http.get(`/api/v1/agents/${agent.id}/launch-evidence/verify`).set(bearer(A.viewer)), 200);
    } finally {
      await unsigned.close();
    }
  });
});

describe('migration: launch evidence', () => {
  let url: string;
  let db: DataSource;

  beforeAll(async () => {
    const u = new URL(process.env.DATABASE_URL!);
    u.pathname = `/${u.pathname.slice(1)}_lev_${randomBytes(3).toString('hex')}`;
    url = u.toString();
    await ensureDatabase(url);
    const upTo = MIGRATIONS.findIndex((m) => m.name === 'LaunchEvidence1763910000000') + 1;
    expect(upTo).toBeGreaterThan(0);
    const config = AppConfig.fromEnv({ ...process.env, DATABASE_URL: url });
    db = new DataSource({ ...buildDataSourceOptions(config), migrations: MIGRATIONS.slice(0, upTo), extra: { max: 2 } });
    await db.initialize();
  });
  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
    await dropDatabase(url);
  });

  it('creates the append-only table and reverts cleanly, and again', async () => {
    const exists = async () =>
      (
        await db.query(
          `SELECT to_regclass('launch_records') IS NOT NULL AS t, EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'launch_records_append_only') AS f`,
        )
      )[0];
    await db.runMigrations({ transaction: 'each' });
    expect(await exists()).toEqual({ t: true, f: true });
    const triggers = await db.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'launch_records'::regclass AND NOT tgisinternal ORDER BY tgname`);
    expect(triggers.map((t: { tgname: string }) => t.tgname)).toEqual(['launch_records_no_change', 'launch_records_no_truncate']);
    await db.undoLastMigration({ transaction: 'each' });
    expect(await exists()).toEqual({ t: false, f: false });
    await db.runMigrations({ transaction: 'each' });
    expect(await exists()).toEqual({ t: true, f: true });
  });
});
