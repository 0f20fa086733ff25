/**
 * `npm run demo [-- --verbose]`: s3-sentinel end to end on this machine, no AWS account, no Docker.
 * An embedded fauxqs plays SQS, S3, SNS and STS; a local HTTP server plays Slack; the daemon is the
 * real `s3-sentinel run`. Exits 0 when the alerts arrived and the daemon shut down cleanly, else 1.
 */
import { runDemo } from './demo.js';
import { DemoError } from './wait.js';

// The SDK's Node 20 end-of-support notice would interleave with the report; the clients it comes
// from here are only the demo's scaffolding (the daemon, a child process, still logs it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Interrupted: exit through process.exit so the 'exit' hooks stop the daemon child.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\ndemo interrupted (${signal})\n`);
    process.exit(1);
  });
}

const started = Date.now();
const print = (line: string) => process.stdout.write(`${line}\n`);

print('s3-sentinel demo: S3 access logs → SQS → s3-sentinel run → stdout + Slack (all local)');
try {
  await runDemo({ print, verbose: process.argv.includes('--verbose') });
  print(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof DemoError) for (const line of error.details) process.stderr.write(`  ${line}\n`);
  else if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}
// Everything started has been stopped; should a socket linger anyway, do not hang the terminal.
setTimeout(() => process.exit(), 2_000).unref();
