#!/usr/bin/env node
import { main } from './main.js';

/**
 * A reader that goes away (`deeplens train | head`) must not stop training: once a stream reports
 * EPIPE, lines for it are dropped and the run goes on (metrics.jsonl and checkpoints are written
 * as usual). Writes to a pipe are synchronous on POSIX, so nothing is buffered to lose at exit.
 */
function lineWriter(stream: NodeJS.WriteStream): (line: string) => void {
  let open = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    open = false;
  });
  return (line) => {
    if (open) stream.write(`${line}\n`);
  };
}

// The AWS SDK (loaded only for s3:// paths) announces on every run that its releases after January
// 2027 will need Node 22; the pinned version works on Node 20, so the CLI keeps that notice quiet.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const code = await main(process.argv.slice(2), { out: lineWriter(process.stdout), err: lineWriter(process.stderr) });
process.exitCode = code;
