/**
 * Three projects: unit (pure, fast), integration (real PostgreSQL and PGlite,
 * HTTP end to end) and reliability (faults and load, bounded in time).
 * SWC transforms TypeScript and the ESM-only NestJS packages alike.
 */
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
const base = {
  rootDir: __dirname,
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: [],
  moduleNameMapper: {
    '^@app/(proof|domain|event-store|projections|platform)/(.*)$': '<rootDir>/libs/$1/src/$2',
    // The console's ES modules import each other as `./dom.js` (what the browser loads); jest reads the `.ts`.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};
module.exports = {
  // A global option: per-project values are ignored.
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs,test}/**/*.{int,e2e}-spec.ts'], testPathIgnorePatterns: ['/test/reliability/', '/node_modules/'] },
    { ...base, displayName: 'reliability', testMatch: ['<rootDir>/test/reliability/**/*.{int,e2e}-spec.ts'] },
  ],
};
