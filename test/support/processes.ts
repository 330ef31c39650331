import { ChildProcess, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sleep } from './e2e-helpers';

export const WORKER_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'worker', 'src', 'main.js');
export const API_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'api', 'src', 'main.js');

/**
 * Processes a test starts: each in a process group of its own (spawned detached), so `killAll` ends
 * it with everything it started, and none outlives the test file.
 */
export class ProcessGroup {
  private readonly children = new Set<ChildProcess>();

  /** A built app (`npm run build` first) with the test's environment plus `env`. */
  spawnApp(main: string, env: Record<string, string>): ChildProcess {
    return this.spawn(process.execPath, [main], { ...process.env, LOG_LEVEL: 'error', ...env });
  }

  spawn(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    return exited;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.children].map((c) => this.kill(c)));
  }
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once something accepts connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * A private redis-server on a free port, without persistence (`--save "" --appendonly no`), so that
 * `restart` does what a production Redis restarted without persistence does: every key is gone.
 */
export interface PrivateRedis {
  url: string;
  restart(): Promise<void>;
}

export async function startPrivateRedis(group: ProcessGroup): Promise<PrivateRedis> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];
  let server = group.spawn('redis-server', args);
  await waitForPort(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await group.kill(server);
      server = group.spawn('redis-server', args);
      await waitForPort(port);
    },
  };
}
