import { FileParseThreads, parseGoldenSetFile } from '@greenlight/golden-sets';
import { makeLargeCsv } from '@greenlight/testing';

/**
 * `npm run bench:parse`: parses a ~10 MB golden-set CSV five times on this thread, then three times
 * the way the api does (a worker thread per file, cases handed back in batches); prints times,
 * rows/s, heap held and peak RSS.
 */
async function main(): Promise<void> {
  const maxBytes = 10 * 1024 * 1024;
  const limits = { max_bytes: maxBytes, max_rows: 100_000 };
  const content = makeLargeCsv(maxBytes - 200);
  const times: number[] = [];
  let rows = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  let heapHeldMb = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const parsed = await parseGoldenSetFile('csv', content, limits);
    times.push(Math.round(performance.now() - t));
    rows = parsed.report.total_rows;
    if (i === 0) heapHeldMb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e5) / 10;
  }
  const best = Math.min(...times);
  process.stdout.write(
    `bench:parse  ${(content.length / 1048576).toFixed(1)} MB csv, ${rows} rows: ${times.join('/')} ms (best ${best} ms, ` +
      `${Math.round(rows / (best / 1000))} rows/s), heap held after one parse ~${heapHeldMb} MB, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`,
  );

  const threads = new FileParseThreads({ concurrency: 1 });
  const threaded: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await threads.parse('csv', content, limits);
    threaded.push(Math.round(performance.now() - t));
  }
  await threads.close();
  process.stdout.write(
    `bench:parse  through a worker thread (as the api reads uploads): ${threaded.join('/')} ms (best ${Math.min(...threaded)} ms), ` +
      `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
