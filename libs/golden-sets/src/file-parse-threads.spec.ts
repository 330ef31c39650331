import { makeLargeCsv } from '@greenlight/testing';
import { FileParseThreads } from './file-parse-threads';
import { GoldenSetFileError } from './golden-set-file.types';

const LIMITS = { max_bytes: 10 * 1024 * 1024, max_rows: 50_000 };

/** Largest gap between ticks of a 5 ms interval while `work` runs: how long the event loop was held. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    const result = await work();
    return { result, stallMs };
  } finally {
    clearInterval(timer);
  }
}

// Threads started from TypeScript sources compile their modules first: give them time on a busy machine.
jest.setTimeout(30_000);

describe('FileParseThreads', () => {
  const threads = new FileParseThreads({ concurrency: 2 });
  afterAll(() => threads.close());

  it('parses in a worker thread and hands back every case, batch after batch', async () => {
    const csv = ['input,answer', ...Array.from({ length: 2500 }, (_, i) => `q${i},a${i}`)].join('\n');
    const { cases, report } = await threads.parse('csv', Buffer.from(csv), LIMITS);
    expect(report).toMatchObject({ format: 'csv', total_rows: 2500, accepted_rows: 2500 });
    expect(cases).toHaveLength(2500);
    expect(cases[2499]).toMatchObject({ input: 'q2499', expected_answer: 'a2499' });
  });

  it('passes file errors back as GoldenSetFileError with their reason and details', async () => {
    const err = await threads.parse('csv', Buffer.from('input,answer\nq1,a\nq2,a\nq3,a\n'), { max_bytes: 1000, max_rows: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoldenSetFileError);
    expect(err).toMatchObject({ reason: 'too_many_rows', details: { max_rows: 2 } });
  });

  it('applies the configured text limits to file rows', async () => {
    const csv = `input,answer\n${'x'.repeat(300)},a\nshort,a\n`;
    const limits = { ...LIMITS, case_text: { input_chars: 200, expected_answer_chars: 200, criteria_chars: 200 } };
    const { cases, report } = await threads.parse('csv', Buffer.from(csv), limits);
    expect(cases.map((c) => c.input)).toEqual(['short']);
    expect(report.issues).toEqual([{ row: 2, field: 'input', message: 'must be at most 200 characters (got 300)' }]);
  });

  it('keeps the event loop free while a 10 MB file is read', async () => {
    const content = makeLargeCsv(LIMITS.max_bytes - 200);
    const { result, stallMs } = await longestStall(() => threads.parse('csv', content, { ...LIMITS, max_rows: 100_000 }));
    expect(result.report.total_rows).toBeGreaterThan(35_000);
    expect(stallMs).toBeLessThan(100);
  }, 60_000);

  it('runs at most `concurrency` files at once; the others wait their turn', async () => {
    const one = new FileParseThreads({ concurrency: 1 });
    const csv = Buffer.from('input,answer\nq,a\n');
    let most = 0;
    const probe = setInterval(() => (most = Math.max(most, one.active)), 2);
    try {
      const results = await Promise.all([1, 2, 3].map(() => one.parse('csv', csv, LIMITS)));
      expect(results.map((r) => r.cases.length)).toEqual([1, 1, 1]);
    } finally {
      clearInterval(probe);
      await one.close();
    }
    expect(most).toBe(1);
  }, 30_000);
});
