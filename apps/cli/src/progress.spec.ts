import type { EvalRun } from '@greenlight/sdk';
import { RunProgress } from './progress';

const run = (completed: number, status = 'running') => ({ id: 'r1', total_cases: 10, completed_cases: completed, status }) as unknown as EvalRun;

describe('RunProgress', () => {
  it('in a log: a line per status change, and progress lines at most once per interval', () => {
    const lines: string[] = [];
    let now = 0;
    const p = new RunProgress({ write: (c: string) => lines.push(c) }, 5000, () => now);
    p.update(run(0, 'pending'));
    p.update(run(1));
    now = 1000;
    p.update(run(2));
    now = 6000;
    p.update(run(5));
    p.update(run(5));
    now = 7000;
    p.update(run(10, 'completed'));
    p.finish();
    expect(lines).toEqual([
      'run r1: 0/10 cases 0% pending\n',
      'run r1: 1/10 cases 10% running\n',
      'run r1: 5/10 cases 50% running\n',
      'run r1: 10/10 cases 100% completed\n',
    ]);
  });

  it('on a terminal: one bar redrawn in place, ended by a newline', () => {
    const out: string[] = [];
    const p = new RunProgress({ write: (c: string) => out.push(c), isTTY: true });
    p.update(run(5));
    p.finish();
    expect(out[0]).toBe('\r[############------------] 5/10 cases 50% running\x1b[K');
    expect(out[1]).toBe('\n');
  });
});
