import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Page, PageRequest } from '@greenlight/database';
import { pageOf } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { agentInScope } from './agent-in-scope';
import type { ActivityFilter, ActivityItem } from './views.types';

/**
 * Run steps that are already domain events of the agent (written to the activity log by the same
 * move): with include_run_events they are not listed a second time from the run's own event log.
 */
const RUN_EVENTS_ALSO_IN_ACTIVITY = ['run_completed', 'run_failed', 'run_reaped'];

interface FeedRow {
  id: string;
  source: 'activity' | 'run_event';
  event_type: string;
  run_id: string | null;
  actor_key_id: string | null;
  request_id: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

/**
 * An agent's activity feed, newest first: the domain events recorded for it (agent created, golden
 * sets uploaded, runs created and finished, compares, pattern moves, SLO violations, launch
 * decisions, ...). With `include_run_events` the queue-level steps of its runs (queued, started,
 * cancelled, requeued, deduplicated start, ...) are merged in from the runs' event logs.
 */
@Injectable()
export class AgentActivityService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(actor: Actor, agentId: string, filter: ActivityFilter, page: PageRequest): Promise<Page<ActivityItem>> {
    const agent = await agentInScope(this.db, actor, agentId);
    const params: unknown[] = [agent.org_id, agent.id];
    const p = (v: unknown) => `$${params.push(v)}`;
    const activity: string[] = [];
    const steps: string[] = [`e.event_type NOT IN (${RUN_EVENTS_ALSO_IN_ACTIVITY.map((t) => `'${t}'`).join(', ')})`];
    if (filter.event_types?.length) {
      const types = p(filter.event_types);
      activity.push(`a.event_type = ANY(${types})`);
      steps.push(`e.event_type = ANY(${types})`);
    }
    if (filter.since) {
      const since = p(filter.since);
      activity.push(`a.created_at >= ${since}`);
      steps.push(`e.created_at >= ${since}`);
    }
    if (filter.until) {
      const until = p(filter.until);
      activity.push(`a.created_at < ${until}`);
      steps.push(`e.created_at < ${until}`);
    }
    if (filter.run_id) {
      const run = p(filter.run_id);
      activity.push(`a.metadata->>'run_id' = ${run}`);
      steps.push(`e.run_id::text = ${run}`);
    }
    // Run steps carry no API key or request id of their own: filtering by either leaves them out.
    const withSteps = filter.include_run_events === true && !filter.actor_key_id && !filter.request_id;
    if (filter.actor_key_id) activity.push(`a.actor_key_id = ${p(filter.actor_key_id)}`);
    if (filter.request_id) activity.push(`a.request_id = ${p(filter.request_id)}`);

    const and = (conds: string[]) => conds.map((c) => ` AND ${c}`).join('');
    const branches = [
      `SELECT a.id::text AS id, 'activity' AS source, a.event_type, a.metadata->>'run_id' AS run_id, a.actor_key_id, a.request_id, a.metadata, a.created_at
       FROM activity_events a WHERE a.org_id = $1 AND a.agent_id = $2${and(activity)}`,
      ...(withSteps
        ? [
            `SELECT e.id::text, 'run_event', e.event_type, e.run_id::text, NULL::uuid, NULL::text, e.details, e.created_at
             FROM eval_run_events e JOIN eval_runs r ON r.id = e.run_id
             WHERE r.org_id = $1 AND r.agent_id = $2 AND e.org_id = $1${and(steps)}`,
          ]
        : []),
    ];
    const countParams = [...params];
    // Each part is cut to the rows the page can need before the parts are merged, so a long history is
    // read from the (agent, time) index instead of being sorted whole.
    const upTo = p(page.offset + page.limit);
    const window = `LIMIT ${p(page.limit)} OFFSET ${p(page.offset)}`;
    const parts = branches.map((b) => `(SELECT * FROM (${b}) x ORDER BY x.created_at DESC, x.id DESC LIMIT ${upTo})`).join(' UNION ALL ');
    const [rows, counted] = await Promise.all([
      this.db.query(`SELECT * FROM (${parts}) f ORDER BY f.created_at DESC, f.source ASC, f.id DESC ${window}`, params),
      this.db.query(`SELECT count(*)::int AS n FROM (${branches.join(' UNION ALL ')}) f`, countParams),
    ]);
    return pageOf(
      (rows as FeedRow[]).map((r) => ({
        id: r.id,
        source: r.source,
        event_type: r.event_type,
        agent_id: agent.id,
        run_id: r.run_id ?? null,
        actor_key_id: r.actor_key_id,
        request_id: r.request_id,
        metadata: r.metadata ?? {},
        created_at: new Date(r.created_at).toISOString(),
      })),
      Number(counted[0].n),
      page,
    );
  }
}
