/**
 * An error as one line for a start-up message. AWS errors get their name and HTTP status: an
 * endpoint that answers with something unexpected (a proxy's 404) yields only `Unknown` as the
 * message.
 */
export function startErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = err.name && err.name !== 'Error' && !err.message.includes(err.name) ? `${err.name}: ` : '';
  return `${name}${err.message}${status === undefined ? '' : ` (HTTP ${status})`}`;
}
