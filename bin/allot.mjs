#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so `npx allot` works right
// after `npm ci` with no build step. The command runs in this process (no
// child), so signals sent to it reach the worker directly.
import { register } from 'tsx/esm/api';

// A reader that stops early (`allot jobs | head -1`) closes the pipe: the rest
// of the output has nowhere to go, which is not an error. The command carries
// on and exits with its own code; nothing more is written to that stream.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    stream.destroy();
  });
}

// The AWS SDK's notice that its 2027 releases will need Node 22 is noise for
// every run of Allot; its own switch turns it off. Other warnings are routed.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { routeProcessWarnings } = await import('../src/cli/warnings.ts');
routeProcessWarnings();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
