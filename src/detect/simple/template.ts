/**
 * `AlertTitle` templates: `Insecure access to S3 Bucket [{bucket}]`. Placeholders are key paths
 * (`{userIdentity.arn}`, `{items[0].name}`); `{{` and `}}` are literal braces. A field the event
 * lacks renders as `<UNKNOWN_FIELD>` (e.g. `<UNKNOWN_BUCKET>`, as Panther's own S3 rules print it).
 */
import { RuleSyntaxError } from './errors.js';
import { compileAccessor, parseKeyPath, type FieldSource } from './key-path.js';

export function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function compileTemplate(template: string, where: string): (source: FieldSource) => string {
  const parts: Array<string | ((source: FieldSource) => string)> = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if ((ch === '{' || ch === '}') && template[i + 1] === ch) {
      literal += ch;
      i += 2;
      continue;
    }
    if (ch === '}')
      throw new RuleSyntaxError(where, `unmatched "}" at offset ${i} (write "}}" for a literal brace)`);
    if (ch !== '{') {
      literal += ch;
      i++;
      continue;
    }
    const end = template.indexOf('}', i + 1);
    if (end < 0) throw new RuleSyntaxError(where, `unclosed "{" at offset ${i}`);
    const path = template.slice(i + 1, end).trim();
    let accessor;
    try {
      accessor = compileAccessor(parseKeyPath(path), path);
    } catch (err) {
      throw new RuleSyntaxError(where, (err as Error).message);
    }
    const missing = `<UNKNOWN_${path.replace(/\W+/g, '_').toUpperCase()}>`;
    if (literal) parts.push(literal);
    literal = '';
    parts.push((source) => {
      const value = accessor.read(source);
      return value === null || value === undefined ? missing : renderValue(value);
    });
    i = end + 1;
  }
  if (literal) parts.push(literal);
  return (source) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(source);
    return out;
  };
}
