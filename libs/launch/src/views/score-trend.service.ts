import { Injectable } from '@nestjs/common';
import { Clock, DomainError } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { RunPoints } from './run-points';
import type { RunPoint, ScoreTrendQuery, ScoreTrendView } from './views.types';

const DAY_MS = 86_400_000;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * How an agent's scores moved: its completed runs in a window (the newest `limit`, completed within
 * the last `days` days when given, of one run type when given), oldest first, each with the same
 * rates as the run's summary.
 */
@Injectable()
export class ScoreTrendService {
  constructor(
    private readonly runs: RunPoints,
    private readonly clock: Clock,
  ) {}

  async trend(actor: Actor, agentId: string, q: ScoreTrendQuery): Promise<ScoreTrendView> {
    const since = q.days === undefined ? undefined : new Date(this.clock.now() - q.days * DAY_MS);
    const found = await this.runs.windowInScope(actor, agentId, { limit: q.limit, since, runType: q.run_type });
    if (!found) throw DomainError.notFound('agent', agentId);
    const { agent, points } = found;
    return {
      agent_id: agent.id,
      window: { limit: q.limit, days: q.days ?? null, since: since?.toISOString() ?? null, run_type: q.run_type ?? null },
      points,
      change: changeOf(points),
    };
  }
}

/** Last point minus first point, per rate; null with fewer than two points. */
export function changeOf(points: RunPoint[]): ScoreTrendView['change'] {
  if (points.length < 2) return null;
  const [first, last] = [points[0], points[points.length - 1]];
  return {
    answer_correct_rate: round4(last.answer_correct_rate - first.answer_correct_rate),
    source_correct_rate: round4(last.source_correct_rate - first.source_correct_rate),
    quality_pass_rate: round4(last.quality_pass_rate - first.quality_pass_rate),
    pass_rate: round4(last.pass_rate - first.pass_rate),
  };
}
