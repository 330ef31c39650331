import type { DataSource } from 'typeorm';
import type { EvalRunEntity } from '@greenlight/database';
import type { GoldenSetsService } from '@greenlight/golden-sets';
import { RunHooks } from '../lifecycle/run-hooks';
import { CALIBRATION_START_CHECK, RunGatesCheck } from './run-gates-check';

const run = (gates: Record<string, unknown>) => ({ id: 'run-1', config: { gates } }) as unknown as EvalRunEntity;
const checkWith = (hooks: RunHooks) => new RunGatesCheck({} as DataSource, {} as GoldenSetsService, hooks);

describe('RunGatesCheck', () => {
  it('refuses a run that requires the calibration gate where no calibration check is registered (fail closed)', async () => {
    await expect(checkWith(new RunHooks()).assertOpen(run({ require_calibration_gate: true }))).rejects.toMatchObject({
      code: 'CALIBRATION_GATE_BLOCKED',
      details: { run_id: 'run-1', reasons: ['calibration_check_unavailable'] },
    });
    await expect(checkWith(new RunHooks()).assertOpen(run({ require_calibration_gate: false }))).resolves.toBeUndefined();
  });

  it('gives the start checks the run settings over the defaults, field by field, thresholds too', async () => {
    const hooks = new RunHooks();
    const seen: unknown[] = [];
    hooks.addStartCheck(CALIBRATION_START_CHECK, async (_run, gates) => void seen.push(gates));
    hooks.setGateDefaults(async () => ({ require_calibration_gate: true, calibration: { min_kappa: 0.7, min_agreement: 0.9 } }));
    await checkWith(hooks).assertOpen(run({ calibration: { min_kappa: 0.5, field: undefined } }));
    expect(seen).toEqual([{ require_calibration_gate: true, calibration: { min_kappa: 0.5, min_agreement: 0.9 } }]);
    // The run's own false wins over the policy's true.
    await checkWith(hooks).assertOpen(run({ require_calibration_gate: false }));
    expect(seen[1]).toMatchObject({ require_calibration_gate: false });
  });
});
