const cgroups = process.env.RYOUIKI_TEST_CGROUPS;

export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/integration'],
  testMatch: ['**/*.test.ts'],
  // The undelegated cgroup tests need a caller without delegated cgroups: make check-undelegated runs them.
  // The pure cgroup v2 tests need systemd and v2 alone: make test-cgroup-v2 runs them in a VM.
  // The root-mode tests (as-root-*) run only as root: make check-root runs them.
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(cgroups === 'undelegated' ? [] : ['undelegated']),
    ...(cgroups === 'v2' ? [] : ['cgroups-v2']),
    ...(process.env.RYOUIKI_TEST_AS_ROOT === '1' ? [] : ['as-root']),
  ],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  globalSetup: '<rootDir>/integration/global-setup.ts',
  globalTeardown: '<rootDir>/integration/global-teardown.ts',
  // A test asserts no time; this only ends a hung one, also on a machine loaded by other work.
  testTimeout: 90000,
  maxWorkers: 2,
};
