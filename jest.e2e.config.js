const shared = require('./jest.shared');

module.exports = {
  ...shared,
  displayName: 'e2e',
  roots: ['<rootDir>/test'],
  testRegex: '\\.e2e-spec\\.ts$',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/per-file-env.ts', '<rootDir>/test/support/answer-schemas.ts'],
};
