/**
 * A presigned URL's request-URI holds its signature (and, for temporary credentials, a session
 * token): with them anyone can repeat the request until it expires. Alerts go to chat channels and
 * paging tools, so their copy of the record carries the URL without them. Rules still see the raw
 * record; `parse` prints it unchanged.
 */
const PRESIGNED_SECRET =
  /([?&](?:X-Amz-Signature|X-Amz-Security-Token|Signature|x-amz-security-token)=)[^&\s"]*/gi;

export const REDACTED = '[redacted]';

/** The text with the values of presigned-URL signatures and session tokens replaced. */
export function withoutPresignedSecrets(text: string): string {
  return text.replace(PRESIGNED_SECRET, `$1${REDACTED}`);
}

/** A record (or summary) with the request-URI's presigned secrets replaced, under any key spelling. */
export function redactPresignedSecrets(record: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== 'string' || key.toLowerCase() !== 'requesturi') continue;
    const redacted = withoutPresignedSecrets(value);
    if (redacted !== value) (copy ??= { ...record })[key] = redacted;
  }
  return copy ?? record;
}
