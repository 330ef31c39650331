import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The YAML parser @nestjs/swagger already brings (no types shipped; load is all we need).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

interface Service {
  image?: string;
  build?: unknown;
  pull_policy?: string;
  ports?: string[];
  environment?: Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
}

const compose = yaml.load(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const { services } = compose;

/** Compose's `${VAR:-default}` interpolation, enough for the port mappings. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => env[name] || fallback);
}

/** A mapping with its YAML merge key (`<<: *app_env`) applied, as Compose reads it. */
function merged(map: Record<string, unknown> = {}): Record<string, unknown> {
  const { '<<': base, ...own } = map;
  return { ...(base as Record<string, unknown> | undefined), ...own };
}

/** Host side of each published port of a service: "127.0.0.1:5432" or "3000". */
const published = (s: Service, env: Record<string, string> = {}) => (s.ports ?? []).map((p) => interpolate(p, env).split(':').slice(0, -1).join(':'));

describe('docker-compose.yml', () => {
  it('has the five services, the apps depending on a finished migration and a healthy Redis', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis', 'worker']);
    for (const app of ['api', 'worker']) {
      expect(services[app].depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
      expect(merged(services[app].environment)).toMatchObject({ DATABASE_URL: expect.stringContaining('@postgres:5432/'), REDIS_URL: 'redis://redis:6379' });
    }
  });

  it('builds the image once: one service builds greenlight:local, the others run it and never pull it', () => {
    const building = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(building.map(([name]) => name)).toEqual(['migrate']);
    expect(services.migrate.image).toBe('greenlight:local');
    for (const app of ['api', 'worker']) {
      expect(services[app].build).toBeUndefined();
      expect(services[app].image).toBe('greenlight:local');
      expect(services[app].pull_policy).toBe('never');
    }
  });

  it('publishes the default host ports (Postgres and Redis on 127.0.0.1 only)', () => {
    expect(published(services.postgres)).toEqual(['127.0.0.1:5432']);
    expect(published(services.redis)).toEqual(['127.0.0.1:6379']);
    expect(published(services.api)).toEqual(['3000']);
    expect(published(services.worker)).toEqual(['3001']);
  });

  it('every host port can be moved with a GREENLIGHT_*_PORT variable', () => {
    const env = { GREENLIGHT_PG_PORT: '55432', GREENLIGHT_REDIS_PORT: '56379', GREENLIGHT_API_PORT: '13000', GREENLIGHT_WORKER_PORT: '13001' };
    expect(published(services.postgres, env)).toEqual(['127.0.0.1:55432']);
    expect(published(services.redis, env)).toEqual(['127.0.0.1:56379']);
    expect(published(services.api, env)).toEqual(['13000']);
    expect(published(services.worker, env)).toEqual(['13001']);
    // The container side stays where the services listen.
    expect(services.api.ports![0].endsWith(':3000')).toBe(true);
    expect(services.worker.ports![0].endsWith(':3001')).toBe(true);
  });
});
