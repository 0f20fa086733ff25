import { ConfigError, formatIssue, loadConfig, type Config } from '../config/index.js';

/**
 * Loads a config for a command. A config that is not valid is reported on stderr with every
 * problem and its path, and gives `undefined`: the command then exits 2.
 */
export async function loadConfigReporting(file: string): Promise<Config | undefined> {
  try {
    return await loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(
      `s3-sentinel: ${err.origin} is not a valid config:\n${err.issues.map((i) => `  ${formatIssue(i)}\n`).join('')}`,
    );
    return undefined;
  }
}
