/**
 * Our `Wildcard` condition (not in Panther): an anchored glob where `*` matches any run of
 * characters, dots and slashes included, and `?` matches one character — the semantics of Python's
 * `fnmatch`, which Panther's own `pattern_match` helper uses (`REST.*.OBJECT`).
 */
export function compileGlob(pattern: string): (text: string) => boolean {
  if (!pattern.includes('?')) {
    const parts = pattern.split('*');
    if (parts.length === 1) return (text) => text === pattern;
    // One star is the common case (`REST.*.OBJECT`): a prefix and a suffix check, no regex.
    if (parts.length === 2) {
      const [prefix, suffix] = parts as [string, string];
      const minLength = prefix.length + suffix.length;
      return (text) => text.length >= minLength && text.startsWith(prefix) && text.endsWith(suffix);
    }
  }
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, 's');
  return (text) => regex.test(text);
}
