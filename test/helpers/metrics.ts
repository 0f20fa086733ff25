import type { Counter, Gauge } from 'prom-client';

/** The current value of a counter or gauge for exactly these labels (0 when never touched). */
export async function metricValue(
  metric: Counter<string> | Gauge<string>,
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  const wanted = Object.entries(labels);
  const match = values.find(
    (v) => Object.keys(v.labels).length === wanted.length && wanted.every(([k, val]) => v.labels[k] === val),
  );
  return match?.value ?? 0;
}
