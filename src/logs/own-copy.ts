/**
 * A copy of `text` that shares no memory with it, for strings kept long after their log line.
 *
 * Field values and dedup strings are pieces of their line, and V8 strings point into the strings
 * they were cut from: a cache key kept as-is keeps its whole line alive (up to 64 KiB) as long as
 * the key lives, which for caches of 100,000 entries could be gigabytes. Copy once per new cache
 * entry, never per line. UTF-16 in and out, so every string, lone surrogates included, comes back
 * unchanged.
 */
export function ownCopy(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}
