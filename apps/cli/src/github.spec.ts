import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatOutputs, GitHubReporter } from './github';

describe('GitHub Actions files', () => {
  it('writes one name=value line per output, empty for null', () => {
    expect(formatOutputs({ verdict: 'pass', regression_count: 0, promoted: false, compare_id: null })).toBe(
      'verdict=pass\nregression_count=0\npromoted=false\ncompare_id=\n',
    );
  });

  it('puts a multi-line value in a heredoc with the delimiter it was given', () => {
    expect(formatOutputs({ notes: 'a\nb' }, () => 'EOF_1')).toBe('notes<<EOF_1\na\nb\nEOF_1\n');
  });

  it('refuses a value that holds its own delimiter, and bad names', () => {
    expect(() => formatOutputs({ notes: 'x\nEOF_1' }, () => 'EOF_1')).toThrow('delimiter');
    expect(() => formatOutputs({ 'bad name': 'x' })).toThrow('invalid output name');
  });

  it('appends outputs and the summary to the files the runner names, and does nothing outside Actions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gl-gh-'));
    const env = { GITHUB_OUTPUT: join(dir, 'out'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
    const gh = new GitHubReporter(env);
    gh.outputs({ run_id: 'r1' });
    gh.outputs({ run_status: 'completed' });
    gh.summary('## one');
    gh.summary('## two\n');
    expect(readFileSync(env.GITHUB_OUTPUT, 'utf8')).toBe('run_id=r1\nrun_status=completed\n');
    expect(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')).toBe('## one\n## two\n');
    const outside = new GitHubReporter({});
    expect(outside.active).toBe(false);
    expect(() => outside.outputs({ a: 1 })).not.toThrow();
  });
});
