import { existsSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CliCall, CliStack, errorOf, ERROR_LINE, expectExit, show, startCliStack, tempDir } from './support/cli-runner';
import { createAgent, MISSING_UUID, UUID_RE } from './support/e2e-helpers';
import { uniqueName } from './support/harness';
import { freePort } from './support/processes';
import { startScriptedServer } from './support/scripted-server';

/**
 * How the `greenlight` CLI fails, and where it finds the API and its key: exit code 2 with the error's
 * code (and the HTTP status and request id when the API answered) on stderr, or as the one JSON
 * document of `--json`; the config file `login` writes and the precedence of flags, environment and file.
 */
describe('greenlight CLI: errors, exit codes and configuration', () => {
  let s: CliStack;
  let dir: string;
  let agentId: string;

  const as =
    (key: string) =>
    (args: string[], call: CliCall = {}) =>
      s.cli.run(args, { ...call, env: { GREENLIGHT_API_KEY: key, ...call.env } });
  const member = (args: string[], call: CliCall = {}) => as(s.keys.member)(args, call);

  beforeAll(async () => {
    s = await startCliStack();
    dir = tempDir();
    agentId = (await createAgent(s.h, s.keys.member, { api_endpoint: s.agent.url })).id;
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('errors and exit codes', () => {
    it('a bad key: exit 2, the error code and request id on stderr; --json gives {"error": {..., "request_id"}}', async () => {
      const bad = as('gl_00000000_not-a-real-key');
      const r = expectExit(await bad(['agents', 'list']), 2);
      const e = errorOf(r.stderr);
      expect(e.code).toBe('UNAUTHORIZED');
      const id = /^HTTP 401, request id (\S+)$/.exec(e.where)?.[1];
      expect(id).toMatch(UUID_RE);
      expect(r.stdout).toBe('');

      const j = expectExit(await bad(['agents', 'list', '--json']), 2);
      const doc = j.json();
      expect(Object.keys(doc)).toEqual(['error']);
      expect(doc.error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      expect(doc.error.request_id).toMatch(UUID_RE);
      expect(Object.keys(doc.error).sort()).toEqual(['code', 'details', 'message', 'request_id', 'status']);

      // an API refusal of a valid key is an error too: viewer keys cannot create
      const denied = expectExit(await as(s.keys.viewer)(['agents', 'create', '--name', uniqueName('No'), '--type', 'analysis', '--endpoint', s.agent.url]), 2);
      expect(errorOf(denied.stderr).code).toBe('FORBIDDEN');
      const notFound = expectExit(await member(['agents', 'get', MISSING_UUID]), 2);
      expect(errorOf(notFound.stderr)).toMatchObject({ code: 'NOT_FOUND', where: expect.stringMatching(/^HTTP 404, request id /) });
    });

    it('transport failures: exit 2 NETWORK_ERROR when nothing listens, TIMEOUT when nothing answers', async () => {
      const dead = { GREENLIGHT_API_URL: `http://127.0.0.1:${await freePort()}` };
      const r = expectExit(await member(['agents', 'list', '--retries', '0'], { env: dead }), 2);
      expect(errorOf(r.stderr).code).toBe('NETWORK_ERROR');
      const j = expectExit(await member(['--json', '--retries', '0', 'agents', 'list'], { env: dead }), 2).json();
      expect(j.error).toMatchObject({ code: 'NETWORK_ERROR', status: null, request_id: null });

      const server = await startScriptedServer();
      try {
        server.script([], { hang: true });
        const t = expectExit(await member(['agents', 'list', '--timeout', '300', '--retries', '1'], { env: { GREENLIGHT_API_URL: server.url } }), 2);
        expect(errorOf(t.stderr).code).toBe('TIMEOUT');
        expect(server.seen).toHaveLength(2); // --timeout per attempt, --retries 1: two attempts
        expect(t.ms).toBeLessThan(10_000);
      } finally {
        await server.close();
      }
    });

    it('an api failing with 503: retried as --retries says, then exit 2 with its code, status and request id', async () => {
      const server = await startScriptedServer();
      try {
        const failure = { code: 'SERVICE_UNAVAILABLE', message: 'down for maintenance', details: null };
        server.script([], { status: 503, body: { error: failure, meta: { request_id: 'req-from-the-api' } } });
        const r = expectExit(await member(['agents', 'list', '--retries', '2'], { env: { GREENLIGHT_API_URL: server.url } }), 2);
        expect(server.seen).toHaveLength(3);
        expect(errorOf(r.stderr)).toEqual({ code: 'SERVICE_UNAVAILABLE', message: 'down for maintenance', where: 'HTTP 503, request id req-from-the-api' });
        server.seen.length = 0;
        const j = expectExit(await member(['agents', 'list', '--retries', '0', '--json'], { env: { GREENLIGHT_API_URL: server.url } }), 2).json();
        expect(server.seen).toHaveLength(1);
        expect(j).toEqual({ error: { ...failure, status: 503, request_id: 'req-from-the-api' } });
        // the key went as a bearer token, and only there
        expect(server.seen[0].headers.authorization).toBe(`Bearer ${s.keys.member}`);
      } finally {
        await server.close();
      }
    });

    it('no key anywhere: exit 2 USAGE, on stderr and with --json', async () => {
      const noKey = expectExit(await s.cli.run(['agents', 'list'], { env: { GREENLIGHT_CONFIG: join(dir, 'absent', 'config.json') } }), 2);
      expect(errorOf(noKey.stderr).code).toBe('USAGE');
      const noKeyJson = expectExit(await s.cli.run(['agents', 'list', '--json'], { env: { GREENLIGHT_CONFIG: join(dir, 'absent', 'config.json') } }), 2).json();
      expect(noKeyJson.error).toMatchObject({ code: 'USAGE', status: null, request_id: null });
    });

    const BAD_USAGE = [
      ['gate', '--candidate', MISSING_UUID], // --agent missing
      ['run', '--agent', 'not-a-uuid', '--golden-set', MISSING_UUID],
      ['gate', '--agent', MISSING_UUID, '--candidate', MISSING_UUID, '--alpha', '2'],
      ['agents', 'list', '--no-such-flag'],
      ['no-such-command'],
    ];

    it('bad flags or commands: exit 2, and --json gives a USAGE error document', async () => {
      for (const args of BAD_USAGE) {
        const r = await member([...args, '--json']);
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect({ args, error: r.json().error }).toMatchObject({ args, error: { code: 'USAGE', status: null, request_id: null } });
      }
    });

    it('bad flags or commands: stderr has the "error: USAGE: <message>" line', async () => {
      const wrong: string[] = [];
      for (const args of BAD_USAGE) {
        const r = await member(args);
        if (r.code !== 2 || ERROR_LINE.exec(r.stderr)?.[1] !== 'USAGE') wrong.push(show(r));
      }
      expect(wrong).toEqual([]);
    });
  });

  describe('login and the config file', () => {
    it('login checks the key and writes the config (mode 0600); later commands need no environment; logout removes it', async () => {
      const config = join(dir, 'login', 'greenlight.json');
      const noEnv = { GREENLIGHT_CONFIG: config, GREENLIGHT_API_URL: undefined };

      // no key to check is a usage error; a bad key is refused; either way nothing is written
      expect(errorOf(expectExit(await s.cli.run(['login', '--api-url', s.url], { env: noEnv }), 2).stderr).code).toBe('USAGE');
      const refused = expectExit(await s.cli.run(['login', '--api-url', s.url, '--api-key', 'gl_00000000_nope'], { env: noEnv }), 2);
      expect(errorOf(refused.stderr).code).toBe('UNAUTHORIZED');
      expect(existsSync(config)).toBe(false);

      const login = expectExit(await s.cli.run(['login', '--api-url', s.url, '--api-key', s.keys.member], { env: noEnv }), 0);
      expect(login.stdout).not.toContain(s.keys.member);
      expect(statSync(config).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ api_url: s.url, api_key: s.keys.member });

      const list = expectExit(await s.cli.run(['agents', 'list', '--json'], { env: noEnv }), 0).json();
      expect(list.items.map((a: { id: string }) => a.id)).toContain(agentId);
      const shown = expectExit(await s.cli.run(['config', '--json'], { env: noEnv }), 0).json();
      expect(shown).toMatchObject({ api_url: s.url, api_url_source: 'config file', api_key_source: 'config file', config_path: config });
      expect(JSON.stringify(shown)).not.toContain(s.keys.member);
      const shownText = expectExit(await s.cli.run(['config'], { env: noEnv }), 0).stdout;
      expect(shownText).toContain(s.url);
      expect(shownText).toContain(shown.api_key);
      expect(shownText).not.toContain(s.keys.member);

      // the environment wins over the file, a flag over both
      const envWins = expectExit(await s.cli.run(['agents', 'list'], { env: { ...noEnv, GREENLIGHT_API_KEY: 'gl_00000000_nope' } }), 2);
      expect(errorOf(envWins.stderr).code).toBe('UNAUTHORIZED');
      expectExit(await s.cli.run(['agents', 'list', '--api-key', s.keys.viewer], { env: { ...noEnv, GREENLIGHT_API_KEY: 'gl_00000000_nope' } }), 0);

      expectExit(await s.cli.run(['logout'], { env: noEnv }), 0);
      expect(existsSync(config)).toBe(false);
      expect(errorOf(expectExit(await s.cli.run(['agents', 'list'], { env: noEnv }), 2).stderr).code).toBe('USAGE');

      // a broken config file stops every command with USAGE, except logout, which removes it
      writeFileSync(config, '{"api_key": ');
      const broken = errorOf(expectExit(await s.cli.run(['agents', 'list'], { env: noEnv }), 2).stderr);
      expect(broken).toMatchObject({ code: 'USAGE' });
      expect(broken.message).toContain('not valid JSON');
      expectExit(await s.cli.run(['logout'], { env: noEnv }), 0);
      expect(existsSync(config)).toBe(false);
    });

    it('login --api-key-stdin reads the key from standard input', async () => {
      const config = join(dir, 'stdin', 'config.json');
      expectExit(await s.cli.run(['login', '--api-key-stdin'], { env: { GREENLIGHT_CONFIG: config }, stdin: `${s.keys.viewer}\n` }), 0);
      expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ api_url: s.url, api_key: s.keys.viewer });
      expect(statSync(config).mode & 0o777).toBe(0o600);
      expectExit(await s.cli.run(['agents', 'get', agentId], { env: { GREENLIGHT_CONFIG: config, GREENLIGHT_API_URL: undefined } }), 0);
    });
  });
});
