/**
 * Our `Wildcard` condition (not in Panther): an anchored glob where `*` matches any run of
 * characters, dots and slashes included, and `?` matches one character (an emoji too) — the `*`
 * and `?` of Python's `fnmatch`, which Panther's own `pattern_match` helper uses (`REST.*.OBJECT`).
 * Its `[seq]` classes are not supported: `[` and `]` match themselves (docs/rules.md).
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
  return (text) => globMatch(pattern, text);
}

/**
 * Anchored glob match in O(text × pattern) worst case, with no regex: the text is client-chosen
 * (keys, user agents, request URIs up to 64 KiB), and a backtracking regex for `a*b*c*d` takes
 * seconds on a few kilobytes of `ab…`. Greedy two-pointer scan: on a mismatch, back up only to the
 * last `*` and let it swallow one more character; earlier stars never need revisiting.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = p < pattern.length ? pattern.charCodeAt(p) : -1;
    if (pc === STAR) {
      starP = p++;
      starT = t;
    } else if (pc === QUESTION) {
      p++;
      t += isSurrogatePair(text, t) ? 2 : 1; // one character, even outside the BMP
    } else if (pc === text.charCodeAt(t)) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === STAR) p++;
  return p === pattern.length;
}

const STAR = 0x2a; // *
const QUESTION = 0x3f; // ?

function isSurrogatePair(text: string, at: number): boolean {
  const high = text.charCodeAt(at);
  const low = text.charCodeAt(at + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}
