import './register-paths';
import { destroyTestEnvironment, TestEnvironment } from '@greenlight/testing';

export default async function globalTeardown(): Promise<void> {
  const env = (globalThis as { __GREENLIGHT_TEST_ENV__?: TestEnvironment }).__GREENLIGHT_TEST_ENV__;
  if (env && process.env.KEEP_TEST_DB !== '1') await destroyTestEnvironment(env);
}
