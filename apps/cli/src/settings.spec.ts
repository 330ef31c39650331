import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, maskKey, resolveSettings, writeConfigFile } from './settings';

describe('settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gl-cfg-'));
  const file = join(dir, 'nested', 'config.json');

  it('flags win over the environment, which wins over the config file', () => {
    writeConfigFile(file, { api_url: 'http://file:1', api_key: 'gl_file' });
    const env = { GREENLIGHT_CONFIG: file, GREENLIGHT_API_URL: 'http://env:2/', GREENLIGHT_API_KEY: 'gl_env' };
    expect(resolveSettings({}, { GREENLIGHT_CONFIG: file })).toMatchObject({ apiUrl: 'http://file:1', apiUrlSource: 'config file', apiKey: 'gl_file' });
    expect(resolveSettings({}, env)).toMatchObject({ apiUrl: 'http://env:2', apiUrlSource: 'env', apiKey: 'gl_env', apiKeySource: 'env' });
    expect(resolveSettings({ apiUrl: 'http://flag:3', apiKey: 'gl_flag' }, env)).toMatchObject({
      apiUrl: 'http://flag:3',
      apiKeySource: 'flag',
      apiKey: 'gl_flag',
    });
  });

  it('writes the config file readable by its owner only', () => {
    writeConfigFile(file, { api_key: 'gl_x' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('without anything, the default URL and no key; a broken file is a usage error', () => {
    const none = join(dir, 'none.json');
    expect(resolveSettings({}, { GREENLIGHT_CONFIG: none })).toMatchObject({ apiUrl: 'http://localhost:3000', apiUrlSource: 'default', apiKey: null });
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{nope');
    expect(() => resolveSettings({}, { GREENLIGHT_CONFIG: broken })).toThrow('not valid JSON');
  });

  it('finds the config under XDG_CONFIG_HOME, and masks keys', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/greenlight/config.json');
    expect(maskKey('gl_0123abcd_SECRETSECRETSECRET1234')).toBe('gl_0123…1234');
    expect(maskKey('short')).toBe('*****');
  });
});
