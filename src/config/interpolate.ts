import { formatPath, type ConfigIssue } from './errors.js';

/**
 * `${NAME}` references in string values, replaced from the environment. Done on the parsed YAML
 * tree rather than on the text, so a value containing `:` or a newline cannot change the YAML
 * structure, and a missing variable is reported with the path of the value that needs it.
 * `$${` writes a literal `${`; a `${` that is never closed is reported.
 */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Env = Readonly<Record<string, string | undefined>>;

export function interpolateEnv(
  value: unknown,
  env: Env,
  issues: ConfigIssue[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, issues, path);
  if (Array.isArray(value))
    return value.map((item, index) => interpolateEnv(item, env, issues, [...path, index]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateEnv(item, env, issues, [...path, key]);
    return out;
  }
  return value;
}

function interpolateString(text: string, env: Env, issues: ConfigIssue[], path: PropertyKey[]): string {
  return text.replace(REFERENCE, (match, name: string | undefined) => {
    if (match === '$${') return '${';
    if (match === '${') {
      issues.push({
        path: formatPath(path),
        message: '"${" is never closed; write ${NAME}, or $${ for a literal ${',
      });
      return match;
    }
    if (name === undefined || !VARIABLE_NAME.test(name)) {
      issues.push({
        path: formatPath(path),
        message: `"${match}" is not a valid variable reference; use \${NAME}`,
      });
      return match;
    }
    const resolved = env[name];
    // An empty variable is almost always a deployment mistake (an unset secret), so it counts as missing.
    if (resolved === undefined || resolved === '') {
      const why = resolved === undefined ? 'is not set' : 'is set but empty';
      issues.push({ path: formatPath(path), message: `environment variable ${name} ${why}` });
      return match;
    }
    return resolved;
  });
}
