import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/detect/engine.js';
import { loadRules, MAX_RULE_FILE_BYTES } from '../../src/detect/loader.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { runRuleTests } from '../../src/detect/rule-tests.js';
import { buildAlert } from '../../src/alert/build-alert.js';
import { createMetrics } from '../../src/observe/metrics.js';

function ruleDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 's3s-rules-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const HEADER = 'AnalysisType: rule\nLogTypes: [Test.Log]\nSeverity: Low\n';

describe('rule directories', () => {
  // Rule packs are often linked in from a shared checkout: a skipped link is a silent detection gap.
  it('follow symlinked rule files and directories, and end on a link loop', async () => {
    const shared = ruleDir({
      'linked.yml': `${HEADER}RuleID: Linked.File\nDetection: [{ Key: a, Condition: Exists }]\n`,
    });
    const pack = ruleDir({
      'in-pack.yml': `${HEADER}RuleID: Linked.Dir\nDetection: [{ Key: a, Condition: Exists }]\n`,
    });
    const dir = ruleDir({});
    symlinkSync(join(shared, 'linked.yml'), join(dir, 'linked.yml'));
    symlinkSync(pack, join(dir, 'pack'));
    symlinkSync(dir, join(dir, 'loop'));
    symlinkSync(join(dir, 'missing.txt'), join(dir, 'dangling'));
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    expect(rules.map((rule) => rule.id).sort()).toEqual(['Linked.Dir', 'Linked.File']);
  });

  // `rules.paths` and `--rules` add up: the same directory in both is not a clash with itself.
  it('read a file reached twice (a directory given twice, or linked in twice) once', async () => {
    const dir = ruleDir({ 'r.yml': `${HEADER}RuleID: Once\nDetection: [{ Key: a, Condition: Exists }]\n` });
    const { rules, problems } = await loadRules({
      builtin: false,
      paths: [dir, `${dir}/`, join(dir, 'r.yml')],
    });
    expect(problems).toEqual([]);
    expect(rules.map((rule) => rule.id)).toEqual(['Once']);
  });
});

describe('invalid rules', () => {
  it('names the file and the key, and still loads the valid rules', async () => {
    const dir = ruleDir({
      'good.yml': `${HEADER}RuleID: Good\nDetection:\n  - Condition: AlwaysTrue\n`,
      'bad-severity.yml': `AnalysisType: rule\nRuleID: BadSeverity\nLogTypes: [Test.Log]\nSeverity: Urgent\nDetection:\n  - Condition: AlwaysTrue\n`,
      'both.yml': `${HEADER}RuleID: Both\nFilename: x.ts\nDetection:\n  - Condition: AlwaysTrue\n`,
      'neither.yml': `${HEADER}RuleID: Neither\n`,
      'typo.yml': `${HEADER}RuleID: Typo\nSeverty: High\nDetection:\n  - Condition: AlwaysTrue\n`,
      'condition.yml': `${HEADER}RuleID: Cond\nDetection:\n  - Key: a\n    Condition: Nope\n`,
      'yaml.yml': `${HEADER}RuleID: [unclosed\n`,
      'zdup.yml': `${HEADER}RuleID: Good\nDetection:\n  - Condition: AlwaysTrue\n`,
      'python.yml': `${HEADER}RuleID: Py\nFilename: rule.py\n`,
      'policy.yml': 'AnalysisType: policy\nPolicyID: Whatever\n',
    });
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(rules.map((rule) => rule.id)).toEqual(['Good']);
    const byFile = (name: string) =>
      problems
        .filter((p) => p.file === join(dir, name))
        .map((p) => p.message)
        .join('\n');
    expect(byFile('bad-severity.yml')).toMatch(
      /^Severity: must be one of Info, Low, Medium, High, Critical \(got "Urgent"\)/,
    );
    expect(byFile('both.yml')).toMatch(/Detection: a rule needs exactly one of Detection or Filename/);
    expect(byFile('neither.yml')).toMatch(/Detection: a rule needs exactly one of Detection or Filename/);
    expect(byFile('typo.yml')).toMatch(/Severty/);
    expect(byFile('condition.yml')).toBe('Detection[0].Condition: unknown condition "Nope"');
    expect(byFile('yaml.yml')).toMatch(/^line \d+:/);
    expect(byFile('zdup.yml')).toMatch(/RuleID: "Good" is already defined in .*good\.yml/);
    expect(byFile('python.yml')).toBe('');
    expect(byFile('policy.yml')).toBe('');
  });

  // Parsed YAML takes about 50 times its size: a stray huge file must not exhaust memory at start.
  it('refuses a rule file over 1 MiB before parsing it, and still loads the others', async () => {
    const padding = `# ${'x'.repeat(78)}\n`.repeat(Math.ceil(MAX_RULE_FILE_BYTES / 80));
    const dir = ruleDir({
      'good.yml': `${HEADER}RuleID: Good\nDetection:\n  - Condition: AlwaysTrue\n`,
      'huge.yml': `${HEADER}RuleID: Huge\nDetection:\n  - Condition: AlwaysTrue\n${padding}`,
    });
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(rules.map((rule) => rule.id)).toEqual(['Good']);
    expect(problems).toEqual([
      expect.objectContaining({
        file: join(dir, 'huge.yml'),
        message: expect.stringMatching(
          /^\(file\): \d+ bytes; a rule file may hold at most 1048576 \(1 MiB\)/,
        ),
      }),
    ]);
  });

  // A panther-analysis checkout is mostly Python rules: each is a notice, not a failure.
  it('skips Python rules and derived detections with a notice', async () => {
    const dir = ruleDir({
      'python.yml': `${HEADER}RuleID: Py\nFilename: rule.py\n`,
      'derived.yml': 'AnalysisType: rule\nRuleID: Derived\nBaseDetection: Some.Rule\n',
    });
    const { rules, problems, notices } = await loadRules({ builtin: false, paths: [dir] });
    expect(rules).toEqual([]);
    expect(problems).toEqual([]);
    expect(notices).toEqual([
      {
        file: join(dir, 'derived.yml'),
        message: 'derived detections (BaseDetection) are not supported; skipped',
        skipped: true,
        kind: 'derived',
      },
      {
        file: join(dir, 'python.yml'),
        message: expect.stringMatching(/^Python rules are not supported/),
        skipped: true,
        kind: 'python',
      },
    ]);
  });

  // panther_analysis_tool's own fixtures (AWS.IAMUser.ReconAccessDenied.yml) keep `Filename: x.py`
  // beside a Detection; Panther runs the Detection.
  it('runs a simple detection that still names a Python file, with a note', async () => {
    const dir = ruleDir({
      'recon.yml': `${HEADER}RuleID: Recon\nFilename: recon.py\nDetection:\n  - Key: errorCode\n    Condition: Equals\n    Value: AccessDenied\n`,
    });
    const { rules, problems, notices } = await loadRules({ builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    expect(rules.map((rule) => [rule.id, rule.kind])).toEqual([['Recon', 'simple']]);
    expect(rules[0]!.rest(new ObjectEvent({ errorCode: 'AccessDenied' }, { logType: 'T' }))).toBe(true);
    expect(notices).toEqual([
      {
        file: join(dir, 'recon.yml'),
        message: 'Filename recon.py ignored: the rule runs by its Detection, as in Panther',
        skipped: false,
        kind: 'python-filename-ignored',
      },
    ]);
  });

  // A misspelt field passes the rule's own tests (their Logs hold what the author wrote) and never
  // has a value on a live line: the rule would silently never fire.
  it('notes access-log rules that read a field the log type does not have', async () => {
    const s3 = 'AnalysisType: rule\nLogTypes: [AWS.S3ServerAccess]\nSeverity: Low\n';
    const dir = ruleDir({
      'typo.yml': `${s3}RuleID: Typo\nDetection:\n  - Key: tls_version\n    Condition: IsNullOrEmpty\n  - Any:\n      - KeyPath: p_source_label\n        Condition: Equals\n        Value: x\n      - DeepKey: [TLSVersion]\n        Condition: Exists\nGroupBy:\n  - Key: p_any_ip_addresses\n`,
      'fine.yml': `${s3}RuleID: Fine\nDetection:\n  - Key: tlsversion\n    Condition: IsNullOrEmpty\n  - Key: p_any_aws_arns\n    Condition: AnyElement\n    Expressions:\n      - Key: element_field\n        Condition: Exists\nAlertContext:\n  - KeyName: ip\n    KeyValue: { Key: remoteIP }\n`,
      'other.yml': `${HEADER}RuleID: Other\nDetection:\n  - Key: anything\n    Condition: Exists\n`,
    });
    const { rules, problems, notices } = await loadRules({ builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    expect(rules).toHaveLength(3);
    expect(notices.map((notice) => [notice.kind, notice.skipped, notice.message])).toEqual([
      [
        'unknown-field',
        false,
        '"Typo" reads "tls_version", which is no field of AWS.S3ServerAccess: it never has a value on a live line (docs/record.md)',
      ],
      [
        'unknown-field',
        false,
        '"Typo" reads "p_source_label", which is no field of AWS.S3ServerAccess: it never has a value on a live line (docs/record.md)',
      ],
    ]);
  });

  // Panther's workflow: copy a rule from the pack, tune it, keep its RuleID.
  it('lets a --rules rule replace the built-in rule with its RuleID, and says so', async () => {
    const dir = ruleDir({
      'mine.yml': `AnalysisType: rule\nRuleID: AWS.S3.ServerAccess.Insecure\nLogTypes: [AWS.S3ServerAccess]\nSeverity: High\nDetection:\n  - Condition: AlwaysTrue\n`,
    });
    const { rules, problems, notices } = await loadRules({ paths: [dir] });
    expect(problems).toEqual([]);
    const insecure = rules.filter((rule) => rule.id === 'AWS.S3.ServerAccess.Insecure');
    expect(insecure.map((rule) => [rule.severity, rule.file])).toEqual([['HIGH', join(dir, 'mine.yml')]]);
    expect(notices).toEqual([
      {
        file: join(dir, 'mine.yml'),
        message: 'replaces the built-in rule "AWS.S3.ServerAccess.Insecure"',
        skipped: false,
        kind: 'replaces-builtin',
      },
    ]);
  });

  it('accepts the Panther keys OnlyUseBaseRiskScore and Tests[].LogType', async () => {
    const dir = ruleDir({
      'keys.yml': `AnalysisType: rule\nRuleID: Keys\nLogTypes: [A.Log, B.Log]\nSeverity: Low\nOnlyUseBaseRiskScore: true\nDetection:\n  - Key: x\n    Condition: Equals\n    Value: 1\nTests:\n  - Name: b\n    LogType: B.Log\n    ExpectedResult: true\n    Log: { x: 1 }\n`,
    });
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    expect(runRuleTests(rules[0]!).cases.map((c) => c.passed)).toEqual([true]);
  });

  // Panther's signals label events in its data lake; s3-sentinel has none, so they do not alert.
  it('tests a CreateAlert: false rule but never runs it on logs', async () => {
    const dir = ruleDir({
      'signal.yml': `${HEADER}RuleID: Signal\nCreateAlert: false\nDetection:\n  - Condition: AlwaysTrue\nTests:\n  - Name: any\n    ExpectedResult: true\n    Log: {}\n`,
    });
    const { rules } = await loadRules({ builtin: false, paths: [dir] });
    expect(rules[0]!.createAlert).toBe(false);
    expect(runRuleTests(rules[0]!).cases.map((c) => c.passed)).toEqual([true]);
    const engine = new RuleEngine({ rules });
    expect(engine.evaluate(new ObjectEvent({}, { logType: 'Test.Log' }))).toEqual([]);
  });

  it('takes numbers in Tags and Reports as panther-analysis writes them (`CIS: [3.5]`)', async () => {
    const dir = ruleDir({
      'cis.yml': `${HEADER}RuleID: Cis\nTags: [Compliance, 2024]\nReports:\n  CIS: [3.5, 3.10]\n  MITRE ATT&CK: [TA0010:T1530]\nDetection:\n  - Condition: AlwaysTrue\n`,
    });
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    expect(rules[0]!.tags).toEqual(['Compliance', '2024']);
    expect(rules[0]!.reports).toEqual({ CIS: ['3.5', '3.10'], 'MITRE ATT&CK': ['TA0010:T1530'] }); // not 3.1
  });

  it('reports a missing rules directory', async () => {
    const { problems } = await loadRules({ builtin: false, paths: ['/nonexistent/rules'] });
    expect(problems).toEqual([
      { file: '/nonexistent/rules', message: 'cannot read rules: ENOENT', unreadable: true },
    ]);
  });
});

describe('code rules', () => {
  const yaml = (id: string, file: string, extra = '') =>
    `${HEADER}RuleID: ${id}\nFilename: ${file}\nDisplayName: Code rule ${id}\nDedupPeriodMinutes: 30\n${extra}`;

  // Loading a module runs it: whoever can drop a YAML file must not be able to run code from elsewhere.
  it("refuses a Filename outside the rule file's directory, without running it", async () => {
    const root = mkdtempSync(join(tmpdir(), 's3s-trav-'));
    mkdirSync(join(root, 'outside'));
    const marker = join(root, 'outside', 'RAN');
    writeFileSync(
      join(root, 'outside', 'evil.mjs'),
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x'); export const rule = () => true;`,
    );
    const dir = join(root, 'rules');
    mkdirSync(dir);
    writeFileSync(join(dir, 'up.yml'), yaml('Up', '../outside/evil.mjs'));
    writeFileSync(join(dir, 'abs.yml'), yaml('Abs', join(root, 'outside', 'evil.mjs')));
    writeFileSync(join(dir, 'off.yml'), yaml('Off', '../outside/evil.mjs', 'Enabled: false\n'));
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(rules).toEqual([]);
    expect(problems.map((problem) => problem.file).sort()).toEqual(
      ['abs.yml', 'off.yml', 'up.yml'].map((name) => join(dir, name)),
    );
    for (const problem of problems)
      expect(problem.message).toMatch(/Filename: .*must name a file in the rule file's directory/);
    expect(existsSync(marker)).toBe(false);
  });

  // Rule packs linked in file by file keep their modules beside the real files; a module that is a
  // link leading out of the directory is refused like a `..` path; `..helpers.mjs` is just a name.
  it('finds the module beside a linked rule file, and follows module links only within', async () => {
    const root = mkdtempSync(join(tmpdir(), 's3s-linked-code-'));
    const pack = join(root, 'pack');
    mkdirSync(pack);
    writeFileSync(join(pack, 'r.yml'), yaml('Linked', 'r.mjs'));
    writeFileSync(join(pack, 'r.mjs'), 'export const rule = () => true;');
    writeFileSync(join(pack, 'dots.yml'), yaml('Dots', '..helpers.mjs'));
    writeFileSync(join(pack, '..helpers.mjs'), 'export const rule = () => true;');
    mkdirSync(join(root, 'outside'));
    const marker = join(root, 'outside', 'RAN');
    writeFileSync(
      join(root, 'outside', 'evil.mjs'),
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x'); export const rule = () => true;`,
    );
    writeFileSync(join(pack, 'escape.yml'), yaml('Escape', 'escape.mjs'));
    symlinkSync(join(root, 'outside', 'evil.mjs'), join(pack, 'escape.mjs'));
    const rules = join(root, 'rules');
    mkdirSync(rules);
    for (const name of ['r.yml', 'dots.yml', 'escape.yml']) symlinkSync(join(pack, name), join(rules, name));

    const loaded = await loadRules({ builtin: false, paths: [rules] });
    expect(loaded.rules.map((rule) => rule.id).sort()).toEqual(['Dots', 'Linked']);
    expect(loaded.problems).toEqual([
      {
        file: join(rules, 'escape.yml'),
        message: expect.stringMatching(/Filename: escape.mjs: must name a file in the rule file's directory/),
      },
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it('loads TypeScript without a build step and uses its helpers', async () => {
    const dir = ruleDir({
      'r.yml': yaml(
        'TS',
        'r.ts',
        'Settings:\n  target: evil\nInlineFilters:\n  - Key: kind\n    Condition: Equals\n    Value: login\n',
      ),
      'r.ts': `
        interface E { get(f: string): unknown }
        export function rule(e: E, ctx: { settings: Record<string, unknown> }): boolean { return e.get('user') === ctx.settings.target; }
        export function title(e: E): string { return 'user ' + String(e.get('user')); }
        export function dedup(): string { return 'fixed'; }
        export function severity(): string { return 'critical'; }
        export function alertContext(e: E) { return { who: e.get('user') }; }
        export function runbook(): string { throw new Error('runbook broke'); }
        export function destinations(): string[] { return ['slack-sec']; }
      `,
    });
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    const rule = rules[0]!;
    expect(rule.kind).toBe('code');
    expect(rule.guard?.field).toBe('kind');
    const metrics = createMetrics();
    const engine = new RuleEngine({ rules, metrics });
    expect(
      engine.evaluate(new ObjectEvent({ kind: 'login', user: 'bob' }, { logType: 'Test.Log' })),
    ).toHaveLength(0);
    expect(
      engine.evaluate(new ObjectEvent({ kind: 'logout', user: 'evil' }, { logType: 'Test.Log' })),
    ).toHaveLength(0);
    const [match] = engine.evaluate(
      new ObjectEvent({ kind: 'login', user: 'evil' }, { logType: 'Test.Log' }),
    );
    expect(match).toMatchObject({ title: 'user evil', dedupString: 'fixed' });
    const alert = buildAlert(match!, { alertId: 'id', windowStartMs: 0 }, engine.errors);
    expect(alert).toMatchObject({
      severity: 'CRITICAL',
      context: { who: 'evil' },
      runbook: '',
      destinations: ['slack-sec'],
    });
    expect((await metrics.ruleErrors.get()).values[0]?.value).toBe(1); // runbook threw, fell back
  });

  // Ignoring unique() would make Threshold count every match, not distinct values: early alerts.
  it('refuses a unique() export instead of ignoring it', async () => {
    const dir = ruleDir({
      'r.yml': yaml('Unique', 'r.mjs', 'Threshold: 2\n'),
      'r.mjs': `export const rule = () => true;\nexport const unique = (e) => e.get('requester');`,
    });
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(rules).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual([
      'Filename: r.mjs: export "unique" (thresholds on distinct values) is not supported',
    ]);
  });

  it('turns a throwing rule into a counted rule error, not a crash', async () => {
    const dir = ruleDir({
      'r.yml': yaml('Throws', 'r.mjs'),
      'r.mjs': `export function rule(e) { if (e.get('x') === 1) throw new Error('boom'); return e.get('x') === 2; }\nexport const title = () => { throw new Error('no title'); };`,
    });
    const { rules } = await loadRules({ builtin: false, paths: [dir] });
    const metrics = createMetrics();
    const engine = new RuleEngine({ rules, metrics });
    expect(engine.evaluate(new ObjectEvent({ x: 1 }, { logType: 'Test.Log' }))).toHaveLength(0);
    expect(engine.evaluate(new ObjectEvent({ x: 1 }, { logType: 'Test.Log' }))).toHaveLength(0);
    const [match] = engine.evaluate(new ObjectEvent({ x: 2 }, { logType: 'Test.Log' }));
    // title() threw: the DisplayName is the title and the dedup string is the per-rule default.
    expect(match).toMatchObject({ title: 'Code rule Throws', dedupString: 'defaultDedupString:Throws' });
    expect((await metrics.ruleErrors.get()).values[0]?.value).toBe(3);
  });

  it('fails a rule test whose helper throws, and one whose rule returns a non-boolean', async () => {
    const dir = ruleDir({
      'r.yml': yaml(
        'Helpers',
        'r.js',
        'Tests:\n  - Name: match\n    ExpectedResult: true\n    Log: { x: 1 }\n',
      ),
      'r.js': `export function rule() { return true; }\nexport function title() { throw new Error('bad title'); }`,
      's.yml': yaml(
        'NonBool',
        's.js',
        'Tests:\n  - Name: match\n    ExpectedResult: true\n    Log: { x: 1 }\n',
      ),
      's.js': `export function rule() { return 'yes'; }`,
      'package.json': '{"type":"module"}',
    });
    const { rules } = await loadRules({ builtin: false, paths: [dir] });
    const [helpers, nonBool] = rules.map((rule) => runRuleTests(rule).cases[0]!);
    expect(helpers).toMatchObject({ passed: false, actual: true, error: 'title() raised: bad title' });
    expect(nonBool).toMatchObject({
      passed: false,
      error: 'rule() raised: rule() returned string, not a boolean',
    });
  });
});

describe('simple detection extras', () => {
  it('applies GroupBy, AlertContext and DynamicSeverities', async () => {
    const dir = ruleDir({
      'r.yml': `${HEADER}RuleID: Extras
Detection:
  - Key: n
    Condition: IsGreaterThan
    Value: 1
AlertTitle: "n is {n}"
GroupBy:
  - Key: a
  - KeyPath: b.c
AlertContext:
  - KeyName: theN
    KeyValue: { Key: n }
DynamicSeverities:
  - ChangeTo: High
    Conditions:
      - Key: n
        Condition: IsGreaterThan
        Value: 10
`,
    });
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    const engine = new RuleEngine({ rules });
    const [small] = engine.evaluate(
      new ObjectEvent({ n: 5, a: 'x', b: { c: 'y' } }, { logType: 'Test.Log' }),
    );
    const [big] = engine.evaluate(new ObjectEvent({ n: 50, a: 'x' }, { logType: 'Test.Log' }));
    expect(small).toMatchObject({ title: 'n is 5', dedupString: 'x:y' });
    expect(buildAlert(small!, { alertId: 'i', windowStartMs: 0 })).toMatchObject({
      severity: 'LOW',
      context: { theN: 5 },
    });
    expect(buildAlert(big!, { alertId: 'i', windowStartMs: 0 }).severity).toBe('HIGH');
    expect(engine.evaluate(new ObjectEvent({ n: 50 }, { logType: 'Other.Log' }))).toHaveLength(0);
  });
});
