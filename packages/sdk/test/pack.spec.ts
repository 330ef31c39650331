import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const sdkDir = resolve(__dirname, '..');
const repoDir = resolve(sdkDir, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * What a user gets: the package is built and packed from a copy (so no build output is left in the
 * work tree), the tarball is installed into an empty project, and the installed package loads and
 * ships its type declarations.
 */
describe('npm pack', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'greenlight-sdk-pack-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('gives a tarball that installs and loads', () => {
    const pkg = join(work, 'pkg');
    cpSync(join(sdkDir, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(sdkDir, 'README.md'), join(pkg, 'README.md'));
    execFileSync(
      process.execPath,
      [join(repoDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(sdkDir, 'tsconfig.json'), '--outDir', join(pkg, 'dist')],
      {
        stdio: 'pipe',
      },
    );
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: pkg, encoding: 'utf8' });
    const [packed] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/generated/openapi.d.ts']));
    expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.map') || f.includes('spec'))).toEqual([]);

    const app = join(work, 'app');
    cpSync(join(work, packed.filename), join(app, packed.filename));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sdk-consumer', version: '1.0.0', private: true }));
    execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${packed.filename}`], { cwd: app, stdio: 'pipe' });
    expect(existsSync(join(app, 'node_modules', '@greenlight', 'sdk', 'dist', 'index.d.ts'))).toBe(true);
    expect(readdirSync(join(app, 'node_modules'))).toEqual(['.package-lock.json', '@greenlight']); // no runtime dependencies

    const script = `
      const sdk = require('@greenlight/sdk');
      const client = new sdk.GreenlightClient({ apiKey: 'gl_test_key', baseUrl: 'http://127.0.0.1:9' });
      process.stdout.write(JSON.stringify({
        exports: Object.keys(sdk).sort(),
        resources: Object.keys(client).filter((k) => k !== 'config').sort(),
        apiError: new sdk.GreenlightApiError({ status: 404, code: 'NOT_FOUND', message: 'm', details: null, requestId: 'r', retryAfterMs: null, method: 'GET', path: '/x', attempts: 1 }) instanceof sdk.GreenlightError,
      }));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' }));
    expect(loaded.exports).toEqual(
      expect.arrayContaining(['GreenlightClient', 'GreenlightApiError', 'GreenlightTransportError', 'paginate', 'parseRetryAfter']),
    );
    expect(loaded.resources).toEqual(['agents', 'compare', 'evalRuns', 'goldenSets', 'launch', 'queue', 'registry']);
    expect(loaded.apiError).toBe(true);
  }, 120_000);
});
