/**
 * A presigned URL holds its signature (and, for temporary credentials, a session token): with them
 * anyone can repeat the request until it expires. Such a URL reaches an alert in the request-URI,
 * in the referrer (a page opened from a presigned URL sends it with its sub-requests), and in any
 * title, dedup string, summary or context a rule builds from those. Alerts go to chat channels and
 * paging tools, so every string an alert carries is stripped of them. Rules still see the raw
 * record; `parse` prints it unchanged.
 */
const PRESIGNED_SECRET =
  /([?&](?:X-Amz-Signature|X-Amz-Security-Token|Signature|x-amz-security-token)=)[^&\s"]*/gi;
/** Cheap first test: most strings hold none of the parameter names. */
const MAY_HOLD_SECRET = /signature|security-token/i;
/** Rule-built context can nest; deeper than this it is left as it is (it is still JSON). */
const MAX_DEPTH = 32;

export const REDACTED = '[redacted]';

/** The text with the values of presigned-URL signatures and session tokens replaced. */
export function withoutPresignedSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text.replace(PRESIGNED_SECRET, `$1${REDACTED}`);
}

/**
 * `value` with every string in it (object values and array elements, at any depth) passed through
 * `withoutPresignedSecrets`. Returns `value` itself when nothing changed, else a copy of the parts
 * that did.
 */
export function redactPresignedSecrets<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return withoutPresignedSecrets(value) as T;
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((element, index) => {
      const redacted = redactPresignedSecrets(element, depth + 1);
      if (redacted !== element) (copy ??= [...value])[index] = redacted;
    });
    return (copy ?? value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, element] of Object.entries(value)) {
    const redacted = redactPresignedSecrets(element, depth + 1);
    if (redacted !== element) (copy ??= { ...(value as Record<string, unknown>) })[key] = redacted;
  }
  return (copy ?? value) as T;
}
