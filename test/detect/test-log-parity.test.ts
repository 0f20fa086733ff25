/**
 * A rule must see the same values in its tests as on live lines. Panther leaves `-` fields out of
 * a record, so a rule test's Log lacks them, while a live access log line has them as `-`: both
 * read as null. Code rules ported from Panther's Python (`event.get('requester') is None`) then
 * pass their tests and fire in production alike.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/detect/engine.js';
import { loadRules } from '../../src/detect/loader.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { runRuleTests } from '../../src/detect/rule-tests.js';
import { isParseError, parseS3AccessLine, S3_ACCESS_LOG_TYPE } from '../../src/logs/s3-access/index.js';
import { line } from '../logs/s3-access/lines.js';

const anonymous = parseS3AccessLine(line({ requester: '-' }));

describe('field values in rule tests and on live lines', () => {
  it('reads a schema field a test Log lacks as null, like a `-` on a live line', () => {
    if (isParseError(anonymous)) throw new Error(anonymous.message);
    const log = new ObjectEvent({ bucket: 'b' }, { logType: S3_ACCESS_LOG_TYPE });
    expect(anonymous.get('requester')).toBeNull();
    expect(log.get('requester')).toBeNull();
    expect(log.get('Requester')).toBeNull();
    // Indicator lists are empty, never null, on a live line; fields every line has stay missing.
    expect(anonymous.get('p_any_aws_arns')).toEqual([]);
    expect(log.get('p_any_aws_arns')).toEqual([]);
    expect(log.get('time')).toBeUndefined();
    expect(log.get('p_event_time')).toBeUndefined();
    // Not a field of the log type: undefined, in both.
    expect(anonymous.get('nosuchfield')).toBeUndefined();
    expect(log.get('nosuchfield')).toBeUndefined();
    // Other log types have no schema here: a missing key is simply missing.
    expect(new ObjectEvent({}, { logType: 'AWS.CloudTrail' }).get('requester')).toBeUndefined();
  });

  // Panther's `event.get(key, default)`.
  it('returns the fallback for a missing or `-` field, and the value otherwise', () => {
    if (isParseError(anonymous)) throw new Error(anonymous.message);
    const log = new ObjectEvent({ bucket: 'b', useragent: null }, { logType: S3_ACCESS_LOG_TYPE });
    expect(anonymous.get('requester', '')).toBe('');
    expect(log.get('requester', 'none')).toBe('none');
    expect(log.get('useragent', 'none')).toBe('none');
    expect(log.get('nosuchfield', 0)).toBe(0);
    expect(anonymous.get('bucket', 'x')).toBe(anonymous.get('bucket'));
    expect(log.get('bucket', 'x')).toBe('b');
  });

  it('lets a code rule written against null pass its tests and match the live line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-parity-'));
    writeFileSync(
      join(dir, 'anon.yml'),
      'AnalysisType: rule\nRuleID: Anon\nLogTypes: [AWS.S3ServerAccess]\nSeverity: Low\nFilename: anon.mjs\n' +
        'Tests:\n  - Name: anonymous\n    ExpectedResult: true\n    Log: { bucket: b, operation: REST.GET.OBJECT }\n' +
        '  - Name: signed\n    ExpectedResult: false\n    Log: { bucket: b, requester: "arn:aws:iam::123456789012:user/a" }\n',
    );
    writeFileSync(
      join(dir, 'anon.mjs'),
      "export function rule(event) { return event.get('requester') === null && event.get('useragent', '') !== 'x'; }\n",
    );
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    const report = runRuleTests(rules[0]!);
    expect(report.cases.map((c) => c.passed)).toEqual([true, true]);
    if (isParseError(anonymous)) throw new Error(anonymous.message);
    expect(new RuleEngine({ rules }).evaluate(anonymous)).toHaveLength(1);
  });
});
