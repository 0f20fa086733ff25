// Types of s3_sentinel_public_object_acl.mjs, for the tests that import its helpers.
interface RuleEvent {
  get(field: string): unknown;
}
/**
 * One pass of query-string decoding that never throws: `+` → space, each run of `%XX` → its bytes
 * read as UTF-8 (invalid UTF-8 → U+FFFD), any other `%` kept as it is.
 */
export declare function decodeQueryComponent(raw: string): string;
/** The first query parameter that makes the object public, as decoded `name=value`, or undefined. */
export declare function publicAclParameter(requestUri: string): string | undefined;
export declare function rule(event: RuleEvent): boolean;
export declare function title(event: RuleEvent): string;
export declare function alertContext(event: RuleEvent): Record<string, unknown>;
export {};
