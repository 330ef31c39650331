import type { LookupAddress } from 'node:dns';
import { Test } from '@nestjs/testing';
import { AppConfig, ConfigModule } from '@greenlight/config';
import { embeddedIPv4, GuardedHttpClient, outboundAddressBlockReason } from './guarded-http-client';
import { OutboundError } from './outbound.types';
import * as ipaddr from 'ipaddr.js';

function client(allowed = ''): GuardedHttpClient {
  return new GuardedHttpClient(AppConfig.fromEnv({ OUTBOUND_ALLOWED_HOSTS: allowed }));
}

/** Stands in for the system resolver so no real DNS query (or connection) is ever made. */
function withResolver(c: GuardedHttpClient, answers: Record<string, string[]>): jest.SpyInstance {
  return jest.spyOn(c as unknown as { resolve: (h: string) => Promise<LookupAddress[]> }, 'resolve').mockImplementation(async (host: string) => {
    const list = answers[host];
    if (!list) throw new OutboundError('dns', `could not resolve ${host}: ENOTFOUND`, { host });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  });
}

async function failure(p: Promise<unknown>): Promise<OutboundError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OutboundError);
    return err as OutboundError;
  }
  throw new Error('expected the promise to reject');
}

describe('outboundAddressBlockReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'siteLocal'],
    ['2001:db8::1', 'reserved'],
    ['fd00:ec2::254', 'cloud metadata'],
  ])('blocks %s (%s)', (address, reason) => {
    expect(outboundAddressBlockReason(address)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'], // IPv4-compatible
    ['::ffff:0:127.0.0.1', 'loopback'], // IPv4-translated (RFC 6145)
    ['64:ff9b::7f00:1', 'loopback'], // NAT64
    ['64:ff9b::a9fe:a9fe', 'cloud metadata'],
    ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
    ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ])('unwraps %s to the IPv4 it carries and blocks it (%s)', (address, reason) => {
    expect(outboundAddressBlockReason(address)).toMatch(new RegExp(`^${reason} \\(embedded IPv4 `));
  });

  it('unwraps the obfuscated Teredo client address', () => {
    // Teredo server 65.54.227.120, client 10.0.0.1 stored bit-inverted (f5ff:fffe).
    const teredo = ipaddr.IPv6.parse('2001:0:4136:e378:8000:63bf:f5ff:fffe');
    expect(embeddedIPv4(teredo).map(String)).toEqual(['65.54.227.120', '10.0.0.1']);
    expect(outboundAddressBlockReason(teredo)).toMatch(/^private/);
  });

  it('blocks the local-use NAT64 prefix and anything outside global unicast IPv6', () => {
    expect(outboundAddressBlockReason('64:ff9b:1::a00:1')).toBe('rfc6052');
    expect(outboundAddressBlockReason('100::1')).toBe('discard');
    expect(outboundAddressBlockReason('4000::1')).not.toBeNull();
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1',
    '2a00:1450:4001:82a::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows the public address %s', (address) => {
    expect(outboundAddressBlockReason(address)).toBeNull();
  });

  it('refuses things that are not addresses', () => {
    expect(outboundAddressBlockReason('example.com')).toBe('not an IP address');
    expect(outboundAddressBlockReason('')).toBe('not an IP address');
  });
});

describe('GuardedHttpClient URL checks', () => {
  const c = client();

  it.each([
    'http://127.0.0.1/',
    'http://2130706433/', // decimal
    'http://0x7f.1/', // hex + short form
    'http://017700000001/', // octal
    'http://0x7f000001/',
    'http://127.1/',
    'http://[::1]:8080/x',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'https://10.0.0.1:8443/',
  ])('refuses %s as blocked_address without resolving anything', async (url) => {
    const spy = withResolver(c, {});
    const err = await failure(c.assertAllowedUrl(url));
    expect(err.kind).toBe('blocked_address');
    expect(err.details.reason).toBeTruthy();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('checks decimal/octal/hex forms as the real address', async () => {
    const err = await failure(c.assertAllowedUrl('http://2130706433/'));
    expect(err.details).toMatchObject({ address: '127.0.0.1', reason: 'loopback' });
    expect(err.message).toContain('127.0.0.1');
  });

  it.each(['http://metadata.google.internal/computeMetadata/v1/', 'http://METADATA.google.internal./', 'http://metadata/'])(
    'refuses the metadata host name %s by name',
    async (url) => {
      const spy = withResolver(c, {});
      const err = await failure(c.assertAllowedUrl(url));
      expect(err.kind).toBe('blocked_address');
      expect(err.details.reason).toBe('cloud metadata');
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    },
  );

  it.each([
    ['ftp://example.com/file'],
    ['file:///etc/passwd'],
    ['javascript:alert(1)'],
    ['gopher://example.com/'],
    ['data:text/plain,hi'],
    ['http://user:pass@example.com/'],
    ['http://user@example.com/'],
    ['not a url'],
    [''],
    ['http://'],
  ])('refuses %j as invalid_url', async (url) => {
    const err = await failure(c.assertAllowedUrl(url));
    expect(err.kind).toBe('invalid_url');
    expect(err.message).not.toMatch(/\n\s+at /);
    expect(err.message).not.toContain('pass');
  });

  it('allows a public IP literal without resolving', async () => {
    await expect(c.assertAllowedUrl('https://8.8.8.8/')).resolves.toBeUndefined();
    await expect(c.assertAllowedUrl('http://[2606:4700::1]:8080/')).resolves.toBeUndefined();
  });

  it('allows a name that resolves only to public addresses', async () => {
    const spy = withResolver(c, { 'agent.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] });
    await expect(c.assertAllowedUrl('https://Agent.Example.com/invoke')).resolves.toBeUndefined();
    spy.mockRestore();
  });

  it('refuses a name when any resolved address is blocked (rebinding-style mixed answers)', async () => {
    const spy = withResolver(c, { 'rebind.example.com': ['93.184.215.14', '169.254.169.254'] });
    const err = await failure(c.assertAllowedUrl('http://rebind.example.com/'));
    expect(err.kind).toBe('blocked_address');
    expect(err.details).toMatchObject({ host: 'rebind.example.com', address: '169.254.169.254', reason: 'cloud metadata' });
    spy.mockRestore();
  });

  it('refuses a name resolving to an IPv4-mapped loopback', async () => {
    const spy = withResolver(c, { 'mapped.example.com': ['::ffff:127.0.0.1'] });
    expect((await failure(c.assertAllowedUrl('http://mapped.example.com/'))).kind).toBe('blocked_address');
    spy.mockRestore();
  });

  it('reports a name that does not resolve as dns', async () => {
    const spy = withResolver(c, {});
    const err = await failure(c.assertAllowedUrl('http://nowhere.invalid/'));
    expect(err.kind).toBe('dns');
    expect(err.message).toContain('nowhere.invalid');
    spy.mockRestore();
  });

  it('request() and fetch() apply the same checks before anything is resolved or sent', async () => {
    const spy = withResolver(c, {});
    for (const url of ['http://169.254.169.254/', 'http://[::ffff:7f00:1]/', 'http://metadata.google.internal/']) {
      expect((await failure(c.request({ url, timeout_ms: 1000 }))).kind).toBe('blocked_address');
      expect((await failure(c.fetch(url))).kind).toBe('blocked_address');
    }
    expect((await failure(c.request({ url: 'ftp://example.com/', timeout_ms: 1000 }))).kind).toBe('invalid_url');
    expect((await failure(c.fetch('file:///etc/passwd'))).kind).toBe('invalid_url');
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('request() refuses a name whose answer is blocked inside the socket lookup, before connecting', async () => {
    const spy = withResolver(c, { 'rebind.example.com': ['127.0.0.1'] });
    const err = await failure(c.request({ url: 'http://rebind.example.com:1/', timeout_ms: 2000 }));
    expect(err.kind).toBe('blocked_address');
    expect(err.details).toMatchObject({ address: '127.0.0.1', reason: 'loopback' });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});

describe('GuardedHttpClient per-URL parse cache', () => {
  it('still resolves and checks a host name on every new connection to a URL it has seen', async () => {
    const http = await import('node:http');
    // `Connection: close`, so every request needs a new connection (and so a new lookup).
    const server = http.createServer((_req, res) => res.writeHead(200, { connection: 'close', 'content-type': 'text/plain' }).end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const c = client('127.0.0.1');
    const answers: Record<string, string[]> = { 'agent.example.com': ['127.0.0.1'] };
    const spy = withResolver(c, answers);
    try {
      const url = `http://agent.example.com:${port}/answer`;
      expect((await c.request({ url, method: 'POST', body: '{}', timeout_ms: 2000 })).status).toBe(200);
      // The name now points somewhere private: the same URL must be refused at the next connection.
      answers['agent.example.com'] = ['10.0.0.7'];
      const err = await failure(c.request({ url, method: 'POST', body: '{}', timeout_ms: 2000 }));
      expect(err.kind).toBe('blocked_address');
      expect(err.details).toMatchObject({ address: '10.0.0.7', reason: 'private' });
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
      c.onApplicationShutdown();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('keeps refusing a blocked URL, and checks an IP literal under its own allow-list', async () => {
    const strict = client();
    for (let i = 0; i < 2; i++) expect((await failure(strict.request({ url: 'http://127.0.0.1:1/', timeout_ms: 1000 }))).kind).toBe('blocked_address');
    const loose = client('127.0.0.1');
    await expect(loose.assertAllowedUrl('http://127.0.0.1:1/')).resolves.toBeUndefined();
    expect((await failure(strict.request({ url: 'http://127.0.0.1:1/', timeout_ms: 1000 }))).kind).toBe('blocked_address');
  });
});

describe('GuardedHttpClient allow-list', () => {
  it('is empty by default', async () => {
    const c = new GuardedHttpClient(AppConfig.fromEnv({}));
    expect(c.addressBlockReason('127.0.0.1')).toBe('loopback');
    expect(c.addressBlockReason('::1')).toBe('loopback');
  });

  it('allows an exact IP, and its IPv4-mapped form, but nothing next to it', async () => {
    const c = client('127.0.0.1');
    expect(c.addressBlockReason('127.0.0.1')).toBeNull();
    expect(c.addressBlockReason('::ffff:127.0.0.1')).toBeNull();
    expect(c.addressBlockReason('127.0.0.2')).toBe('loopback');
    expect(c.addressBlockReason('::1')).toBe('loopback');
    await expect(c.assertAllowedUrl('http://127.0.0.1:8080/')).resolves.toBeUndefined();
    await expect(c.assertAllowedUrl('http://2130706433/')).resolves.toBeUndefined();
    expect((await failure(c.assertAllowedUrl('http://127.0.0.2/'))).kind).toBe('blocked_address');
  });

  it('allows an IPv6 address', async () => {
    const c = client('::1');
    await expect(c.assertAllowedUrl('http://[::1]:3000/')).resolves.toBeUndefined();
    expect(c.addressBlockReason('127.0.0.1')).toBe('loopback');
  });

  it('allows a CIDR', async () => {
    const c = client(' 10.0.0.0/8 , fd00::/8');
    expect(c.addressBlockReason('10.200.3.4')).toBeNull();
    expect(c.addressBlockReason('fd12::1')).toBeNull();
    expect(c.addressBlockReason('11.0.0.1')).toBeNull(); // public anyway
    expect(c.addressBlockReason('192.168.0.1')).toBe('private');
    expect(c.addressBlockReason('169.254.169.254')).toBe('cloud metadata');
    await expect(c.assertAllowedUrl('http://10.1.1.1/')).resolves.toBeUndefined();
  });

  it('allows a host name exactly and case-insensitively, whatever it resolves to', async () => {
    const c = client('Internal-Agent.corp');
    const spy = withResolver(c, { 'internal-agent.corp': ['10.0.0.5', '127.0.0.1'], 'other.corp': ['10.0.0.6'], 'sub.internal-agent.corp': ['10.0.0.7'] });
    await expect(c.assertAllowedUrl('http://INTERNAL-agent.corp/')).resolves.toBeUndefined();
    expect((await failure(c.assertAllowedUrl('http://other.corp/'))).kind).toBe('blocked_address');
    expect((await failure(c.assertAllowedUrl('http://sub.internal-agent.corp/'))).kind).toBe('blocked_address');
    spy.mockRestore();
  });

  it('an allow-listed name still has to resolve', async () => {
    const c = client('gone.corp');
    const spy = withResolver(c, {});
    expect((await failure(c.assertAllowedUrl('http://gone.corp/'))).kind).toBe('dns');
    spy.mockRestore();
  });

  it('an IP allow-list does not allow a name that resolves to other private addresses', async () => {
    const c = client('10.0.0.0/8');
    const spy = withResolver(c, { 'intranet.corp': ['10.0.0.1', '192.168.0.1'] });
    const err = await failure(c.assertAllowedUrl('http://intranet.corp/'));
    expect(err.details).toMatchObject({ address: '192.168.0.1', reason: 'private' });
    spy.mockRestore();
  });

  it('refuses malformed entries at construction', () => {
    expect(() => client('10.0.0.0/33')).toThrow(/OUTBOUND_ALLOWED_HOSTS/);
    expect(() => client('http://x')).toThrow(/OUTBOUND_ALLOWED_HOSTS/);
    expect(() => client('a b')).toThrow(/OUTBOUND_ALLOWED_HOSTS/);
  });

  it('is resolved by Nest from the injected AppConfig', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(AppConfig.fromEnv({ OUTBOUND_ALLOWED_HOSTS: '192.168.0.0/16' }))],
      providers: [GuardedHttpClient],
    }).compile();
    const c = moduleRef.get(GuardedHttpClient);
    expect(c.addressBlockReason('192.168.1.1')).toBeNull();
    expect(c.addressBlockReason('10.0.0.1')).toBe('private');
    await moduleRef.close();
  });

  it('can be built without Nest', () => {
    const c = GuardedHttpClient.fromConfig(AppConfig.fromEnv({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }));
    expect(c).toBeInstanceOf(GuardedHttpClient);
    expect(typeof c.fetch).toBe('function');
  });
});
