import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How long the calls made for one piece of work (one case of a run) waited for their rate limits.
 * A judge is shared by every case of a run, so its waits are credited to whichever case's work is
 * running when they happen.
 */
export interface WaitLedger {
  judge_wait_ms: number;
  agent_wait_ms: number;
}

const current = new AsyncLocalStorage<WaitLedger>();

/** Runs `work` with a fresh ledger; answers its result and what it waited. */
export async function withWaitLedger<T>(work: () => Promise<T>): Promise<{ value: T; ledger: WaitLedger }> {
  const ledger: WaitLedger = { judge_wait_ms: 0, agent_wait_ms: 0 };
  const value = await current.run(ledger, work);
  return { value, ledger };
}

/** Adds a wait to the ledger of the work in progress, if any. */
export function recordWait(kind: keyof WaitLedger, ms: number): void {
  const ledger = current.getStore();
  if (ledger && ms > 0) ledger[kind] += ms;
}
