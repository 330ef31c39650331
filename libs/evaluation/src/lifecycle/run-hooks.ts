import { Injectable, Logger } from '@nestjs/common';
import type { RunGates } from '@greenlight/contracts';
import type { EvalRunEntity } from '@greenlight/database';

/**
 * A check a run must pass before it executes (execute, start, requeue); it throws a DomainError to
 * refuse. `gates` are the run's effective gates: its own config over the defaults (the SLO policy).
 */
export type RunStartCheck = (run: EvalRunEntity, gates: Partial<RunGates>) => Promise<void>;

/** Default gate settings for a run (the agent's SLO policy); the run's own config overrides them field by field. */
export type RunGateDefaults = (run: EvalRunEntity) => Promise<Partial<RunGates>>;

/** Told about every terminal move of a run (completed, failed, cancelled) after it committed. */
export type RunTerminalListener = (run: EvalRunEntity) => Promise<void>;

/**
 * Where features built on top of evaluation plug into a run's life without evaluation knowing them:
 * the calibration gate adds a start check, launch SLOs listen to terminal moves. Each registers under
 * a name, once per process (a module's `onModuleInit`), in every app that moves runs.
 */
@Injectable()
export class RunHooks {
  private readonly logger = new Logger(RunHooks.name);
  private readonly startChecks = new Map<string, RunStartCheck>();
  private readonly terminalListeners = new Map<string, RunTerminalListener>();
  private gateDefaultsSource: RunGateDefaults | null = null;

  addStartCheck(name: string, check: RunStartCheck): void {
    this.startChecks.set(name, check);
  }

  addTerminalListener(name: string, listener: RunTerminalListener): void {
    this.terminalListeners.set(name, listener);
  }

  /** Where default gate settings come from (one source per process; the last one set wins). */
  setGateDefaults(source: RunGateDefaults): void {
    this.gateDefaultsSource = source;
  }

  /** The run's default gate settings; none when no source is set. */
  async gateDefaults(run: EvalRunEntity): Promise<Partial<RunGates>> {
    return this.gateDefaultsSource ? this.gateDefaultsSource(run) : {};
  }

  /** Whether a start check of this name is registered in this process. */
  hasStartCheck(name: string): boolean {
    return this.startChecks.has(name);
  }

  /** Runs every start check in registration order; the first refusal propagates. */
  async checkStart(run: EvalRunEntity, gates: Partial<RunGates>): Promise<void> {
    for (const check of this.startChecks.values()) await check(run, gates);
  }

  /**
   * Tells every listener that the run reached a terminal status. The move is committed already: a
   * listener's failure is logged and never undoes or fails it.
   */
  async terminal(run: EvalRunEntity): Promise<void> {
    for (const [name, listener] of this.terminalListeners) {
      try {
        await listener(run);
      } catch (err) {
        this.logger.error(`run ${run.id}: terminal listener "${name}" failed: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }
}
