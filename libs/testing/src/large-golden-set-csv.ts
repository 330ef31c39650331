/**
 * A golden-set CSV of about `maxBytes`: answer and criteria rows, quoted fields with commas, quotes and
 * newlines, list cells, and one row in a thousand without an expected answer (invalid).
 */
export function makeLargeCsv(maxBytes: number): Buffer {
  const lines = ['id,question,expected_answer,sources,criteria,dimensions,difficulty,tags'];
  let size = lines[0].length + 1;
  for (let n = 0; ; n++) {
    const criteria = n % 5 === 0;
    const question =
      n % 3 === 0
        ? `"Customer #${n} asks, politely: ""can I get a refund for order ${n * 7919}?"" What should the agent say?"`
        : `How does feature ${n} behave when the account is on the legacy plan and the quota is exceeded?`;
    const line = [
      `case-${n}`,
      question,
      criteria || n % 1000 === 999
        ? ''
        : 'It keeps working in read-only mode; writes are queued until the quota resets at the start of the next billing cycle.',
      criteria ? '' : `kb/plans.md;kb/quota-${n % 50}.md`,
      criteria ? '"Must be accurate,\nand must mention the quota reset date."' : '',
      criteria ? 'accuracy|tone' : '',
      ['easy', 'medium', 'hard'][n % 3],
      'billing;quota',
    ].join(',');
    if (size + line.length + 1 > maxBytes) break;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}
