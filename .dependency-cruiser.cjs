// The house flows one way (shared/design/layout.md, README "Development"):
// sources → store → allocation → read models → rendering → delivery, with the
// CLI, the jobs, the demo and the bench as edges that only call those steps.
// `npm run deps` checks it (type-only imports count too); CI runs it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two rooms cannot be understood apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'cli-is-an-edge',
      severity: 'error',
      comment: 'Nothing imports the CLI but its launcher: what it does is a step of src/ that jobs, the demo and tests can call too.',
      from: { pathNot: '^(src/cli/|bin/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'src-does-not-know-jobs',
      severity: 'error',
      comment: 'jobs/ runs the steps of src/ on a queue; src/ never depends on how it is run.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^jobs/' },
    },
    {
      name: 'util-is-the-ground',
      severity: 'error',
      comment: 'util/ holds periods, decimals, errors, files: it imports nothing of Allot.',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
    {
      name: 'store-below-the-steps',
      severity: 'error',
      comment: 'The store is opened and queried by the steps, never the other way.',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: '^src/(util|store|config)/' },
    },
    {
      name: 'config-below-the-steps',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(util|config)/' },
    },
    {
      name: 'sources-before-allocation',
      severity: 'error',
      comment: 'Importers write line items and snapshots; they know nothing of what is done with them.',
      from: { path: '^src/ingest/' },
      to: { path: '^src/(allocate|explain|close|model|render|deliver|demo|api|export)/' },
    },
    {
      name: 'allocation-before-reports',
      severity: 'error',
      from: { path: '^src/allocate/' },
      to: { path: '^src/(ingest|explain|close|model|render|deliver|demo|api|export)/' },
    },
    {
      name: 'read-models-before-rendering',
      severity: 'error',
      comment: 'A read model is data from the store; how it looks is render/.',
      from: { path: '^src/model/' },
      to: { path: '^src/(render|deliver|demo|api|export|ingest)/' },
    },
    {
      name: 'render-is-pure',
      severity: 'error',
      comment: 'render/ turns a model into HTML, text, Markdown, CSV or PNG: no store, no network.',
      from: { path: '^src/render/' },
      to: { path: '^src/(store|ingest|allocate|explain|close|model/.+/(build|queries)|deliver|demo|api|export)' },
    },
    {
      name: 'render-no-io',
      severity: 'error',
      from: { path: '^src/render/' },
      to: { path: '^(@duckdb|nodemailer|ioredis|bullmq)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs'] },
    exclude: { path: '^(node_modules|test|bench/out|demo-out|scratch)' },
  },
};
