// Import rules checked by `npm run lint:deps`. Libs are reached through their tsconfig path alias
// (`@greenlight/<name>` → libs/<name>/src/index.ts), so "through the index" means "to an index.ts".
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, within a lib or across libs.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'libs-not-to-apps',
      severity: 'error',
      comment: 'Imports run one way: apps → libs. A lib never imports an app, a script or a test.',
      from: { path: '^libs/' },
      to: { path: '^(apps|scripts|test)/' },
    },
    {
      name: 'migrations-only-from-database',
      severity: 'error',
      comment: 'Of the libs, only libs/database (its data source runs the migrations) imports migrations/.',
      from: { path: '^libs/', pathNot: '^libs/database/' },
      to: { path: '^migrations/' },
    },
    {
      name: 'apps-not-to-each-other',
      severity: 'error',
      comment: 'The api and the worker share code only through libs.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'contracts-imports-nothing',
      severity: 'error',
      comment: 'libs/contracts is plain types and constants: node and npm packages only, none of our code.',
      from: { path: '^libs/contracts/' },
      to: { path: '^(apps|libs|scripts|test|migrations)/', pathNot: '^libs/contracts/' },
    },
    {
      name: 'database-imports-contracts-and-config-only',
      severity: 'error',
      comment: 'libs/database may use libs/contracts and libs/config, no other lib of ours.',
      from: { path: '^libs/database/' },
      to: { path: '^libs/', pathNot: '^libs/(database|contracts|config)/' },
    },
    {
      name: 'platform-below-features',
      severity: 'error',
      comment: 'libs/platform is what the features stand on: it never imports a feature lib, auth or http.',
      from: { path: '^libs/platform/' },
      to: { path: '^libs/(accounts|golden-sets|judging|evaluation|notifications|operations|governance|calibration|launch|auth|http)/' },
    },
    {
      name: 'infra-below-features',
      severity: 'error',
      comment: 'The infrastructure libs (queue, tenancy, config, testing) know nothing of the features.',
      from: { path: '^libs/(queue|tenancy|config|testing)/' },
      to: { path: '^libs/(accounts|golden-sets|judging|evaluation|notifications|operations|governance|calibration|launch|platform|auth|http)/' },
    },
    {
      name: 'statistics-is-pure',
      severity: 'error',
      comment: 'libs/statistics is pure functions: npm packages and node only, none of our code.',
      from: { path: '^libs/statistics/' },
      to: { path: '^(apps|libs|scripts|test|migrations)/', pathNot: '^libs/statistics/' },
    },
    {
      name: 'libs-through-index-only',
      severity: 'error',
      comment: 'A lib reaches another lib through `@greenlight/<name>` (its index.ts), never a deep or relative path.',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'apps-reach-libs-through-index-only',
      severity: 'error',
      comment: 'The apps reach a lib through `@greenlight/<name>` (its index.ts) too.',
      from: { path: '^apps/' },
      to: { path: '^libs/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (a broken path alias would otherwise hide imports from the rules above).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|coverage|\\.greenlight)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count too: they tie modules together just the same.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
