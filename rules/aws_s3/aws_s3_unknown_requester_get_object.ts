/**
 * Panther's AWS.S3.ServerAccess.UnknownRequester as a code rule: a successful GetObject on a
 * protected bucket by a requester not listed for it. `rules.settings.protectedBuckets` maps bucket
 * globs to the requester globs allowed to read them (`*` matches any run of characters).
 *
 * Self-contained on purpose: rule modules are loaded from the rules/ folder, beside (not inside)
 * the compiled program.
 */
interface RuleEvent {
  get(field: string): unknown;
}
interface RuleContext {
  settings: Readonly<Record<string, unknown>>;
}

function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

const compiled = new WeakMap<object, Array<[RegExp, RegExp[]]>>();

function protectedBuckets(settings: RuleContext['settings']): Array<[RegExp, RegExp[]]> {
  const mapping = settings.protectedBuckets;
  if (mapping === null || typeof mapping !== 'object') {
    throw new TypeError(
      'rules.settings.protectedBuckets must map bucket patterns to lists of requester patterns',
    );
  }
  let rules = compiled.get(mapping);
  if (!rules) {
    rules = Object.entries(mapping).map(([bucket, requesters]) => {
      if (!Array.isArray(requesters)) throw new TypeError(`protectedBuckets["${bucket}"] must be a list`);
      return [globToRegExp(bucket), requesters.map((requester) => globToRegExp(String(requester)))];
    });
    compiled.set(mapping, rules);
  }
  return rules;
}

function text(event: RuleEvent, field: string): string {
  const value = event.get(field);
  return typeof value === 'string' ? value : '';
}

export function rule(event: RuleEvent, context: RuleContext): boolean {
  if (event.get('errorcode')) return false;
  if (event.get('operation') !== 'REST.GET.OBJECT') return false;
  const bucket = text(event, 'bucket');
  const requester = text(event, 'requester');
  for (const [bucketPattern, requesterPatterns] of protectedBuckets(context.settings)) {
    if (!bucketPattern.test(bucket)) continue;
    if (!requesterPatterns.some((pattern) => pattern.test(requester))) return true;
  }
  return false;
}

export function title(event: RuleEvent): string {
  return `Unknown requester accessing data from S3 Bucket [${text(event, 'bucket') || '<UNKNOWN_BUCKET>'}]`;
}
