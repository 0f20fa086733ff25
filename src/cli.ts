#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerParse } from './cli/parse.js';
import { registerScan } from './cli/scan.js';
import { registerTest } from './cli/test.js';
import { registerRules } from './cli/rules.js';
import { registerRun } from './cli/run.js';
import { registerCheckConfig } from './cli/check-config.js';
import { EXIT_USAGE } from './cli/exit-codes.js';
import { packageVersion } from './package-root.js';

const program = new Command('s3-sentinel')
  .description('Real-time security alerts from AWS S3 server access logs')
  .version(packageVersion())
  .exitOverride()
  .showHelpAfterError();

for (const register of [
  registerParse,
  registerScan,
  registerTest,
  registerRules,
  registerRun,
  registerCheckConfig,
]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.stderr.write(`s3-sentinel: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT_USAGE;
  }
}
