import base from './jest.config.js';

// The pure cgroup v2 VM (make test-cgroup-v2) runs code some 10-20 times
// slower than the host, under emulation: ts-jest only transpiles there (the
// host's runs type-check the same files), and a test gets minutes.
export default {
  ...base,
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.v2.json' }],
  },
  testTimeout: 600000,
  maxWorkers: 1,
};
