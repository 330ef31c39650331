import { Injectable } from '@nestjs/common';
import type { RunRates } from '@greenlight/evaluation';

/** How many runs' rates one process remembers (about 200 bytes each). */
export const REMEMBERED_RUNS = 50_000;

/**
 * The rates of completed runs, remembered by this process. A completed run's results do not change:
 * results are written while it runs, and a review keeps the judge's values (the rates are the
 * judge's). A run that is reopened and completes again gets a new completion time, which is part of
 * the key, so its new rates are computed afresh. The oldest entries make room for new ones.
 */
@Injectable()
export class CompletedRunRates {
  private readonly entries = new Map<string, RunRates>();

  constructor(private readonly capacity = REMEMBERED_RUNS) {}

  get(runId: string, completedAt: Date | string): RunRates | undefined {
    return this.entries.get(key(runId, completedAt));
  }

  set(runId: string, completedAt: Date | string, rates: RunRates): void {
    const k = key(runId, completedAt);
    this.entries.delete(k);
    this.entries.set(k, rates);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

const key = (runId: string, completedAt: Date | string) => `${runId}@${new Date(completedAt).getTime()}`;
