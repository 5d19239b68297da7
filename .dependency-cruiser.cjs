/**
 * The house's import rules (docs/architecture.md draws them): the rooms of services/ stand on
 * floors, and a module may import only from its own floor or the floors below it. `npm run
 * check` (and so `npm test`) runs dependency-cruiser with this file, so an upward import fails
 * the build instead of drifting from the picture.
 */

/** Lowest floor first. Each entry is a regular expression over paths from the repository root. */
const floors = [
  { name: 'base', path: '^services/(errors|zod-issues|log|config|config-env|config-exposure|quiet-debug|log-budget|runtime-file|connection-slots|login-gate|device-rate|file-lock|process-identity|durable-file|one-at-a-time|redact-url|person-names)\\.ts$' },
  { name: 'domain', path: '^services/((families|standards)/|topics\\.ts$)' },
  { name: 'infrastructure', path: '^services/(metrics|registry|storage|spool|data-folder|people)/' },
  { name: 'pipeline', path: '^services/(ingest|broker|hj212|rollups|compliance|evaluate|alarms|review|events|reports)/' },
  { name: 'serving', path: '^services/(live|api|cluster)/' },
  { name: 'composition', path: '^(services/(platform|installation|components)(\\.ts$|/)|simulators/)' },
  { name: 'commands', path: '^(services/cli/|bin/)' },
];

const upwardImportRules = floors.slice(0, -1).map((floor, index) => ({
  name: `no-upward-from-${floor.name}`,
  comment: `${floor.name} may import only from its own floor or below (docs/architecture.md)`,
  severity: 'error',
  from: { path: floor.path },
  to: { path: floors.slice(index + 1).map((upper) => upper.path).join('|') },
}));

module.exports = {
  forbidden: [
    ...upwardImportRules,
    {
      name: 'no-circular',
      comment: 'modules that import each other cannot be understood, tested or moved one at a time',
      severity: 'error',
      from: { path: '^services/' },
      to: { circular: true },
    },
    {
      name: 'no-tests-from-production',
      comment: 'production code never imports test helpers',
      severity: 'error',
      from: { path: '^(services|simulators|bin)/' },
      to: { path: '^tests/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
