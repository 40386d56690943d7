export { FaultProxy, startTestS3, TEST_CREDENTIALS, testClient } from './test-s3-server.js';
export type { Fault, TestS3 } from './test-s3-server.js';
