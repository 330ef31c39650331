/**
 * Runs golden-set file parsing in worker threads, off the api's event loop: each upload gets a
 * fresh thread (its memory is returned whole when it ends, whatever the file did), at most
 * `concurrency` run at once and later uploads wait their turn.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CaseInput } from './case-input';
import { FILE_PARSE_NEXT, FileParseMessage, FileParseRequest } from './file-parse.protocol';
import { FileParseLimits, GoldenSetFileError, GoldenSetFileFormat, ParsedGoldenSetFile } from './golden-set-file.types';

export interface FileParseThreadsOptions {
  /** Files parsed at once; more wait. */
  concurrency: number;
  /** Heap of one parsing thread; a thread that needs more is stopped and the upload refused as too large. */
  maxHeapMb?: number;
}

const DEFAULT_MAX_HEAP_MB = 384;

/**
 * From TypeScript sources (the test suite) the worker's modules are compiled as they load; built
 * code (dist/) starts the compiled entry directly.
 */
const FROM_SOURCES_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const ts = require(workerData.typescript);
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
require(workerData.entry);
`;

function startWorker(request: FileParseRequest, maxHeapMb: number): Worker {
  const options = {
    workerData: request,
    transferList: [request.content.buffer as ArrayBuffer],
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
  };
  if (extname(__filename) !== '.ts') return new Worker(join(__dirname, 'file-parse.worker.js'), options);
  const workerData = { ...request, entry: join(__dirname, 'file-parse.worker.ts'), typescript: require.resolve('typescript') };
  return new Worker(FROM_SOURCES_BOOTSTRAP, { ...options, eval: true, workerData });
}

export class FileParseThreads {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly workers = new Set<Worker>();

  constructor(private readonly options: FileParseThreadsOptions) {}

  /** Files being parsed right now. */
  get active(): number {
    return this.running;
  }

  async parse(format: GoldenSetFileFormat, content: Buffer, limits: FileParseLimits): Promise<ParsedGoldenSetFile> {
    if (this.running >= this.options.concurrency) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await this.run(format, content, limits);
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  /** Stops every parsing thread (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private run(format: GoldenSetFileFormat, content: Buffer, limits: FileParseLimits): Promise<ParsedGoldenSetFile> {
    // A copy the thread can own: the upload's buffer may be a view into a larger one.
    const own = new Uint8Array(content.length);
    own.set(content);
    const worker = startWorker({ format, content: own, limits }, this.options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB);
    this.workers.add(worker);
    return new Promise<ParsedGoldenSetFile>((resolve, reject) => {
      const cases: CaseInput[] = [];
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
        void worker.terminate();
      };
      worker.on('message', (m: FileParseMessage) => {
        switch (m.kind) {
          case 'cases':
            for (const c of m.cases) cases.push(c);
            worker.postMessage(FILE_PARSE_NEXT);
            return;
          case 'done':
            return settle(() => resolve({ cases, report: m.report }));
          case 'refused':
            return settle(() => reject(new GoldenSetFileError(m.reason, m.message, m.details)));
          case 'failed':
            return settle(() => reject(new Error(`reading the golden-set file failed: ${m.message}`)));
        }
      });
      worker.on('error', (err: Error & { code?: string }) => {
        if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          settle(() => reject(new GoldenSetFileError('too_large', 'the file needs more memory to read than an upload may use', { format })));
        } else {
          settle(() => reject(err));
        }
      });
      worker.on('exit', (code) => {
        this.workers.delete(worker);
        settle(() => reject(new Error(`the golden-set file reader stopped unexpectedly (exit code ${code})`)));
      });
    });
  }
}
