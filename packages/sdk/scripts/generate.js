// `npm run sdk:generate` writes the SDK's types from openapi.json (openapi-typescript, formatted with
// the repository's Prettier settings) to src/generated/openapi.ts; `npm run sdk:check` (`--check`)
// generates into a temp file and exits 1 when the committed file differs.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const sdkDir = resolve(__dirname, '..');
const repoDir = resolve(sdkDir, '..', '..');
const documentPath = join(repoDir, 'openapi.json');
const target = join(sdkDir, 'src', 'generated', 'openapi.ts');
const check = process.argv.includes('--check');

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-sdk-'));
  try {
    const raw = join(dir, 'openapi.ts');
    // Defaults do not make a field required: request bodies may leave them out.
    execFileSync(
      process.execPath,
      [
        join(repoDir, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'),
        documentPath,
        '--redocly',
        join(sdkDir, 'redocly.generate.yaml'),
        '--default-non-nullable',
        'false',
        '--output',
        raw,
      ],
      { cwd: repoDir, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const prettier = require(require.resolve('prettier', { paths: [repoDir] }));
    const options = (await prettier.resolveConfig(target)) ?? {};
    const generated = await prettier.format(readFileSync(raw, 'utf8'), { ...options, filepath: target });
    if (!check) {
      writeFileSync(target, generated);
      process.stdout.write(`sdk:generate  wrote ${target}\n`);
      return 0;
    }
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (committed === generated) {
      process.stdout.write('sdk:check  packages/sdk/src/generated/openapi.ts matches openapi.json\n');
      return 0;
    }
    const a = committed.split('\n');
    const b = generated.split('\n');
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line++;
    process.stderr.write(
      `sdk:check  packages/sdk/src/generated/openapi.ts is out of date with openapi.json (first difference at line ${line + 1}: ` +
        `committed ${JSON.stringify(a[line] ?? '<end>')}, generated ${JSON.stringify(b[line] ?? '<end>')}); run npm run sdk:generate\n`,
    );
    return 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`sdk generation failed: ${err.stack ?? err}\n`);
    process.exit(1);
  },
);
