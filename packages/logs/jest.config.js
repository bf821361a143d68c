import { unitTestConfig } from '../../jest.config.base.js';

export default unitTestConfig;
