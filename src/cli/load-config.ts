import {
  ConfigError,
  formatIssue,
  loadConfig,
  loadRulesConfig,
  type Config,
  type LoadOptions,
  type RulesConfig,
} from '../config/index.js';

/**
 * Loads a config for a command. A config that is not valid is reported on stderr with every
 * problem and its path, and gives `undefined`: the command then exits 2.
 */
export function loadConfigReporting(file: string, options: LoadOptions = {}): Promise<Config | undefined> {
  return reportingErrors(() => loadConfig(file, options));
}

/** Only the config's `rules` section (for `test` and `rules`), reported the same way. */
export function loadRulesConfigReporting(file: string): Promise<RulesConfig | undefined> {
  return reportingErrors(() => loadRulesConfig(file));
}

async function reportingErrors<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(
      `s3-sentinel: ${err.origin} is not a valid config:\n${err.issues.map((i) => `  ${formatIssue(i)}\n`).join('')}`,
    );
    return undefined;
  }
}
