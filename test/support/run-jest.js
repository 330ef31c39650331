#!/usr/bin/env node
// `npm test`: runs Jest with the arguments given, then prints the run's one line of totals
// ("tests: N passed, N failed", written by summary-reporter.js) as the very last line, after Jest's
// own summary, and exits with Jest's exit code.
const { spawnSync } = require('node:child_process');
const { readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const summaryFile = join(__dirname, '..', '..', '.greenlight', 'test-summary.txt');
rmSync(summaryFile, { force: true });
const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], { stdio: 'inherit' });
let line;
try {
  line = readFileSync(summaryFile, 'utf8').trim();
} catch {
  line = `tests: no result (Jest ended with ${run.signal ?? `exit code ${run.status}`} before reporting)`;
}
process.stdout.write(`${line}\n`);
process.exit(run.status ?? 1);
