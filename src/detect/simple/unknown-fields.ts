/**
 * Keys a rule reads that its log type does not have. A misspelt field (`tls_version`,
 * `p_source_label` from a Panther source) passes the rule's own tests — their Logs carry whatever
 * the author wrote — and never sees a value on a live line: the rule silently never fires.
 */
import { compileKey } from './compile.js';

/** The expression parts of a rule file that name fields. */
const SECTIONS = ['Detection', 'InlineFilters', 'DynamicSeverities', 'GroupBy', 'AlertContext'] as const;

/** Every key a rule's expressions read whose first segment `isField` rejects, in file order. */
export function unknownFieldKeys(
  rule: Partial<Record<(typeof SECTIONS)[number], unknown>>,
  isField: (name: string) => boolean,
): string[] {
  const unknown: string[] = [];
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${where}[${index}]`));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    let accessor;
    try {
      accessor = compileKey(record, where);
    } catch {
      return; // reported by the compiler itself
    }
    const first = accessor?.segments[0];
    if (typeof first === 'string' && !isField(first) && !unknown.includes(accessor!.label))
      unknown.push(accessor!.label);
    for (const [key, value] of Object.entries(record)) {
      // A list comprehension's Expressions read the elements of its key, not the record.
      if (key === 'Expressions' && accessor !== undefined) continue;
      visit(value, `${where}.${key}`);
    }
  };
  for (const section of SECTIONS) visit(rule[section], section);
  return unknown;
}
