// `npm test`: unit and e2e projects in one run, closing with one "N passed, N failed" line.
module.exports = {
  projects: ['<rootDir>/jest.unit.config.js', '<rootDir>/jest.e2e.config.js'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
