/** An S3-compatible server (s3rver) in its own process for `pnpm bench:scale`, so it does not share the reader's event loop. Prints its endpoint. */
import { startTestS3 } from '@deeplens/storage-s3/testing';

const s3 = await startTestS3('bench');
console.log(JSON.stringify({ endpoint: s3.endpoint }));
process.on('SIGTERM', () => void s3.close().then(() => process.exit(0)));
