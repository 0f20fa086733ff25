import { z } from 'zod';

/**
 * Field builders shared by every config section. Values interpolated from the environment are
 * always strings, so numeric and boolean fields also accept their string spelling (`"9090"`,
 * `"true"`); anything else is left for zod to reject with its path.
 */
function fromEnvString(parse: (text: string) => unknown) {
  return (value: unknown) => (typeof value === 'string' ? parse(value.trim()) : value);
}

const INTEGER_TEXT = /^-?\d+$/;

/** An integer in `[min, max]`. */
export function intField(min: number, max: number) {
  return z.preprocess(
    fromEnvString((text) => (INTEGER_TEXT.test(text) ? Number(text) : text)),
    z.int().min(min).max(max),
  );
}

/** A boolean; `"true"` and `"false"` are accepted for values that come from the environment. */
export function boolField() {
  return z.preprocess(
    fromEnvString((text) => (text === 'true' ? true : text === 'false' ? false : text)),
    z.boolean(),
  );
}

/** An http(s) URL. */
export function httpUrlField() {
  return z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).refine((url) => {
    // fetch refuses URLs with credentials in them; every delivery would fail as a "network
    // error" and be retried forever. Say so at start-up instead (without echoing the URL).
    if (!URL.canParse(url)) return true; // already reported by the URL check
    const { username, password } = new URL(url);
    return username === '' && password === '';
  }, 'must not contain a user name or password (use headers for credentials)');
}

/** Loopback hosts, where plain http never leaves the machine (test receivers, a local proxy). */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** True for an https URL, or an http URL to a loopback host: one a credential may travel over. */
export function isPrivateChannel(url: string): boolean {
  if (!URL.canParse(url)) return true; // already reported by the URL check
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || LOOPBACK_HOST.test(hostname);
}

export const CLEARTEXT_CREDENTIAL =
  'must be https:// (it carries a credential, which http:// would send in cleartext); http:// is accepted only for localhost';

/** An https URL that is itself a credential or carries one (http:// only to loopback hosts). */
export function credentialUrlField() {
  return httpUrlField().refine(isPrivateChannel, CLEARTEXT_CREDENTIAL);
}

/** A non-empty string without surrounding whitespace (a stray space in a key is a classic mistake). */
export function tokenField() {
  return z
    .string()
    .min(1)
    .regex(/^\S(.*\S)?$/, 'must not start or end with whitespace');
}
