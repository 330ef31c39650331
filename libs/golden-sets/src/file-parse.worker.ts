/**
 * Worker-thread entry: reads one uploaded golden-set file and sends the result back, cases in
 * batches paced by the api (each batch is decoded on the api's event loop, so they never pile up).
 * Imports stay relative: this module also loads from TypeScript sources in tests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FILE_PARSE_BATCH, FileParseMessage, FileParseRequest } from './file-parse.protocol';
import { GoldenSetFileError, parseGoldenSetFile } from './golden-set-file.parser';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('file-parse.worker must run in a worker thread');
  const send = (message: FileParseMessage) => port.postMessage(message);
  const request = workerData as FileParseRequest;
  const next = () => new Promise<void>((resolve) => port.once('message', () => resolve()));
  try {
    const content = Buffer.from(request.content.buffer, request.content.byteOffset, request.content.byteLength);
    const parsed = await parseGoldenSetFile(request.format, content, request.limits);
    for (let i = 0; i < parsed.cases.length; i += FILE_PARSE_BATCH) {
      send({ kind: 'cases', cases: parsed.cases.slice(i, i + FILE_PARSE_BATCH) });
      await next();
    }
    send({ kind: 'done', report: parsed.report });
  } catch (err) {
    if (err instanceof GoldenSetFileError) send({ kind: 'refused', reason: err.reason, message: err.message, details: err.details });
    else send({ kind: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}

void main();
