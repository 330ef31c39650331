// Unit tests of the SDK (`npm run sdk:test`): backoff, Retry-After, paginators, and that `npm pack`
// gives a tarball that installs and loads. Against the real API: test/sdk.e2e-spec.ts.
module.exports = {
  rootDir: __dirname,
  displayName: 'sdk',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testRegex: '\\.spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: '<rootDir>/tsconfig.spec.json' }] },
};
