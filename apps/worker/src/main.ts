import 'reflect-metadata';
import { runHttpApp } from '@greenlight/http';
import { createWorkerApp } from './create-worker-app';

runHttpApp(
  'worker',
  createWorkerApp,
  (c) => c.get('WORKER_PORT'),
  (c, port) => `processing jobs; health on ${c.get('HOST')}:${port}`,
);
