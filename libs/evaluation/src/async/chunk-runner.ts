import type { CaseOutcome, CaseRow } from '../execution/execution.types';
import type { CaseSlots, ReleaseSlot } from './case-slots';

/** What running one chunk's cases needs. */
export interface ChunkRun {
  cases: CaseRow[];
  /** Runs one case (agent call, judge, policy contract). */
  runCase: (c: CaseRow) => Promise<CaseOutcome>;
  /** Whether the run still runs at the chunk's epoch; synchronous when a fresh cached state says so. */
  mayGoOn: () => boolean | Promise<boolean>;
  slots: CaseSlots;
  orgId: string;
  /** The chunk's slot token; borrowed slots are named after it. */
  slotToken: string;
  /** On the job's last attempt a transient agent error is kept as an error result instead of retried. */
  lastAttempt: boolean;
}

export interface ChunkRunResult {
  /** Outcomes to write, in case order. */
  outcomes: CaseOutcome[];
  /** The first error a case threw (judge, policy, our infrastructure); the chunk started no case after it. */
  failure: { err: unknown } | null;
  /** Cases that hit a transient agent error and are left for the job's retry. */
  transient: number;
  borrowed: number;
}

/**
 * Runs a chunk's cases: one at a time on the chunk's own permit, more alongside on idle permits it
 * borrows. A case starts only while the run is still running at the chunk's epoch (cooperative
 * cancellation). The first error stops new cases; those in flight finish before this returns, so a
 * retry of the chunk never overlaps them.
 */
export async function runChunkCases(run: ChunkRun): Promise<ChunkRunResult> {
  const { cases, slots } = run;
  const outcomes: { index: number; outcome: CaseOutcome }[] = [];
  let failure = null as { err: unknown } | null; // set from the cases' callbacks
  let transient = 0;
  let borrowed = 0;
  let next = 0;
  // Cases of this chunk in flight, and the wake-up of the loop waiting for one of them to settle. A
  // counter and one callback instead of Promise.race over a set: a race allocates a reaction on every
  // pending case each time round, and runs once per case.
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const settled = () => {
    inFlight--;
    const w = wake;
    wake = null;
    w?.();
  };
  const oneSettled = () => new Promise<void>((resolve) => (wake = resolve));

  const launch = (release: ReleaseSlot): void => {
    const index = next++;
    inFlight++;
    run.runCase(cases[index]).then(
      (outcome) => {
        if (outcome.error?.retryable && !run.lastAttempt) transient++;
        else outcomes.push({ index, outcome });
        release();
        settled();
      },
      (err: unknown) => {
        failure ??= { err };
        release();
        settled();
      },
    );
  };
  // Synchronous while the run's cached state is fresh and says go (nearly always), so starting a case
  // costs no promise; `await` only when it does return one. A state that cannot be read (the database
  // is unreachable) stops the chunk like a failing case: the cases in flight finish first.
  const mayStart = (): boolean | Promise<boolean> => {
    if (next >= cases.length || failure !== null) return false;
    const go = run.mayGoOn();
    return typeof go === 'boolean' ? go : go.catch((err: unknown) => ((failure ??= { err }), false));
  };
  const ownPermit = () => slots.permits.release();

  for (;;) {
    const may = mayStart();
    if (!(typeof may === 'boolean' ? may : await may)) break;
    if (inFlight === 0) {
      if (!slots.permits.tryAcquire()) await slots.permits.acquire();
      const still = mayStart();
      if (!(typeof still === 'boolean' ? still : await still)) {
        slots.permits.release();
        break;
      }
      launch(ownPermit);
    }
    for (;;) {
      if (next >= cases.length) break;
      const lent = slots.borrow(run.orgId, `${run.slotToken}:${borrowed}`);
      const release = lent instanceof Promise ? await lent : lent;
      if (!release) break;
      const still = mayStart();
      if (!(typeof still === 'boolean' ? still : await still)) {
        release();
        break;
      }
      borrowed++;
      launch(release);
    }
    // Wait for one of this chunk's cases; the next round may borrow again.
    if (inFlight > 0) await oneSettled();
  }
  while (inFlight > 0) await oneSettled();

  // Completion order is arbitrary; write in case order.
  return { outcomes: outcomes.sort((a, b) => a.index - b.index).map((o) => o.outcome), failure, transient, borrowed };
}
