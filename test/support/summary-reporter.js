// Writes the run's totals as one plain line, "tests: N passed, N failed[, N skipped]", to
// .greenlight/test-summary.txt; `npm test` (run-jest.js) prints it as its closing line once Jest has
// exited (Jest's own summary comes after every reporter, so a reporter cannot print last).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const tail = skipped ? `, ${skipped} skipped` : '';
    const dir = join(__dirname, '..', '..', '.greenlight');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'test-summary.txt'), `tests: ${results.numPassedTests} passed, ${failed} failed${tail}\n`);
  }
}
module.exports = SummaryReporter;
