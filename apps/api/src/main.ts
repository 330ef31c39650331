import 'reflect-metadata';
import { runHttpApp } from '@greenlight/http';
import { createApiApp } from './create-api-app';

runHttpApp(
  'api',
  createApiApp,
  (c) => c.get('PORT'),
  (c) => `listening on ${c.get('HOST')}:${c.get('PORT')} (Swagger UI at /docs)`,
);
