import { redisOptionsFromUrl } from './redis-options';

describe('redisOptionsFromUrl', () => {
  it('reads host, port, credentials, db and tls', () => {
    expect(redisOptionsFromUrl('rediss://user:p%40ss@cache.local:6380/2')).toEqual({
      host: 'cache.local',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
    });
  });

  it('defaults port and db', () => {
    const o = redisOptionsFromUrl('redis://127.0.0.1');
    expect(o.port).toBe(6379);
    expect(o.db).toBe(0);
    expect(o.tls).toBeUndefined();
  });
});
