import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: where package.json and the built-in `rules/` are. This file is `src/` (run
 * with tsx) or `dist/` (built) one level below it, so every module finds the root the same way.
 */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

let version: string | undefined;

/** The package version (`s3-sentinel/<version>` in our user agent, `--version`). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(resolve(packageRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}
