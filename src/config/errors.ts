/** One problem in a config: where (`sinks[1].webhookUrl`) and what. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** A config that cannot be used. `origin` is the file (or `<inline>`); every issue has its path. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly origin: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`invalid config ${origin}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** `['sinks', 1, 'webhookUrl']` → `sinks[1].webhookUrl`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** A YAML error's first line, without the colon that introduced the source excerpt after it. */
export function yamlErrorSummary(message: string): string {
  return message.split('\n')[0]!.replace(/:\s*$/, '');
}
