/**
 * The layers of src/ and the only directions their imports may point (README, "How it is built"):
 *
 *   domain ← application ← (adapters, projections, http) ← composition root (src/*.ts)
 *
 * adapters, projections and http are siblings: each depends on the application's ports, never on
 * another's concrete code. The programs beside the service (src/simulator, src/demo) may use any
 * layer, and no layer may use them. `npm run lint:layers` checks this; `.ci/run` runs it.
 */
const layer = (name) => `^src/${name}/`;
const rootFiles = '^src/[^/]+\\.ts$';
const programs = '^src/(simulator|demo)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle means two files are one concept split in two, or a port is missing.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-innermost',
      severity: 'error',
      comment: 'The domain is pure: it imports nothing of the layers around it.',
      from: { path: layer('domain') },
      to: { path: '^src/', pathNot: layer('domain') },
    },
    {
      name: 'application-uses-only-domain',
      severity: 'error',
      comment: 'Ports and command orchestration depend on the domain alone.',
      from: { path: layer('application') },
      to: { path: '^src/', pathNot: `${layer('domain')}|${layer('application')}` },
    },
    {
      name: 'outer-layers-use-ports-not-each-other',
      severity: 'error',
      comment: 'adapters, projections and http meet only through the application layer.',
      from: { path: '^src/(adapters|projections|http)/' },
      to: {
        path: '^src/(adapters|projections|http)/',
        pathNot: '^src/$1/',
      },
    },
    {
      name: 'nothing-depends-on-the-composition-root',
      severity: 'error',
      comment:
        'service.ts, stores.ts, config.ts and friends wire layers together; no layer uses them.',
      from: { path: '^src/(domain|application|adapters|projections|http)/' },
      to: { path: rootFiles },
    },
    {
      name: 'the-service-does-not-use-its-tools',
      severity: 'error',
      comment: 'The DFSP simulator and the demo are programs beside the service.',
      from: { path: '^src/', pathNot: programs },
      to: { path: programs },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
