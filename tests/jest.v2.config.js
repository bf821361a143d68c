import base from './jest.config.js';

// The pure cgroup v2 VM (make test-cgroup-v2) runs code some 10-20 times
// slower than the host, under emulation, where loading TypeScript alone takes
// minutes: scripts/v2vm/run.sh transpiles the tests to JavaScript beside their
// sources in the VM's copy (the host's runs type-check the same files), and
// they run untransformed. A test gets minutes.
export default {
  ...base,
  // ts-jest's preset alone loads TypeScript.
  preset: undefined,
  testMatch: ['**/*.test.js'],
  moduleNameMapper: {},
  transform: {},
  globalSetup: '<rootDir>/integration/global-setup.js',
  globalTeardown: '<rootDir>/integration/global-teardown.js',
  testTimeout: 600000,
  maxWorkers: 1,
};
