const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/** Queued, running or waiting for its children. */
export const isLiveJobState = (state: string | null): boolean => state !== null && LIVE_JOB_STATES.has(state);

// Job ids are deterministic per run and epoch, so a job added twice (a redelivered start, a retried
// request) exists once, and a job of an earlier epoch is recognisably stale.
export const startJobId = (runId: string, epoch: number) => `start-${runId}-${epoch}`;
export const finalizeJobId = (runId: string, epoch: number) => `finalize-${runId}-${epoch}`;
export const chunkJobId = (runId: string, epoch: number, chunk: number) => `chunk-${runId}-${epoch}-${chunk}`;
