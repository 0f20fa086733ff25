/**
 * Reads the Prometheus text format the daemon serves on /metrics, enough to sum counters by name
 * and label (the demo's progress check and summary, and the end-to-end benchmark).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// `name{a="x",b="y"} 12` or `name 12` (an optional timestamp may follow the value).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetricsText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of every sample of `name` whose labels include `where`. */
export function sumOf(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([key, value]) => sample.labels[key] === value)) total += sample.value;
  }
  return total;
}

/** Sums of `name` grouped by one label, e.g. alerts by rule. */
export function sumBy(samples: Sample[], name: string, label: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = sample.labels[label] ?? '';
    totals.set(key, (totals.get(key) ?? 0) + sample.value);
  }
  return totals;
}

export async function fetchMetrics(url: string): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url} answered HTTP ${response.status}`);
  const text = await response.text();
  return { text, samples: parseMetricsText(text) };
}
