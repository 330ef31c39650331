const shared = require('./jest.shared');

module.exports = {
  ...shared,
  displayName: 'unit',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/scripts'],
  testRegex: '\\.spec\\.ts$',
};
