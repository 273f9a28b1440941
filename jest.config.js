/** Test levels live in the file name: *.unit.spec.ts, *.int.spec.ts, *.e2e.spec.ts. */
const moduleNameMapper = {
  '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }],
};
const common = { rootDir: __dirname, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'], transform, moduleNameMapper };

/**
 * The fault suite kills processes and restarts its own PostgreSQL and broker, so it never runs by
 * default: its project exists only when it is selected by name (`--selectProjects faults`, as
 * scripts/faults/run.sh does) or FAULTS_SUITE=1 is set. A plain `npx jest` (npm test) has no such project.
 */
function selectedProjects(argv) {
  const names = [];
  let listing = false;
  for (const arg of argv) {
    const inline = /^--select-?projects=(.*)$/i.exec(arg);
    if (inline) names.push(...inline[1].split(','));
    if (arg.startsWith('-')) listing = /^--select-?projects$/i.test(arg);
    else if (listing) names.push(arg);
  }
  return names;
}
const faultsSelected = process.env.FAULTS_SUITE === '1' || selectedProjects(process.argv.slice(2)).includes('faults');

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.unit.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/{apps,libs}/**/*.int.spec.ts'], setupFiles: ['<rootDir>/test/setup/env.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e.spec.ts'], setupFiles: ['<rootDir>/test/setup/env.ts'] },
    ...(faultsSelected ? [{ ...common, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.faults.spec.ts'] }] : []),
  ],
};
