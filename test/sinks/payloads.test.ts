import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../src/alert/alert.js';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createSinks, Dispatcher, SinksSchema, verifySignature } from '../../src/sinks/index.js';
import { dedupKey, PAGERDUTY_SEVERITY, triggerEvent } from '../../src/sinks/pagerduty/index.js';
import { truncate } from '../../src/sinks/format.js';
import { alertMessage, digestMessage, fallbackText, SLACK_LIMITS } from '../../src/sinks/slack/index.js';
import { capturingLogger, makeAlert, startReceiver, closedAfterEach } from './helpers.js';

const { receivers, dispatchers } = closedAfterEach();

async function deliverOne(sinkConfig: Record<string, unknown>, status: number, alert = makeAlert()) {
  const receiver = await startReceiver(() => ({ status, body: status === 200 ? 'ok' : '' }));
  receivers.push(receiver);
  const withUrl = { ...sinkConfig };
  for (const key of ['url', 'webhookUrl'] as const) {
    if (typeof withUrl[key] === 'string') withUrl[key] = `${receiver.url}${withUrl[key] as string}`;
  }
  const dispatcher = new Dispatcher({
    sinks: createSinks(SinksSchema.parse([withUrl])),
    ledger: new MemoryDeliveryLedger(),
    metrics: createMetrics(),
    logger: capturingLogger().logger,
  });
  dispatchers.push(dispatcher);
  const outcome = await dispatcher.dispatch(alert);
  expect(Object.values(outcome.sinks)).toEqual(['delivered']);
  expect(receiver.requests).toHaveLength(1);
  return { request: receiver.requests[0]!, alert };
}

type Block = {
  type: string;
  text?: { type: string; text: string };
  fields?: { text: string }[];
  elements?: unknown[];
};

describe('Slack', () => {
  it('posts a message a responder can act on', async () => {
    const { request, alert } = await deliverOne({ type: 'slack', webhookUrl: '/services/T1/B1/x' }, 200);

    expect(request.method).toBe('POST');
    expect(request.path).toBe('/services/T1/B1/x');
    expect(request.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request.body);
    expect(Object.keys(body).sort()).toEqual(['attachments', 'text']);
    expect(body.text).toBe(`[HIGH] ${alert.title} (${alert.ruleId})`);
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0].color).toBe('#E8743B');
    const blocks: Block[] = body.attachments[0].blocks;
    expect(blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'context',
      'actions',
    ]);
    expect(blocks[0]!.text).toEqual({ type: 'plain_text', text: alert.title });
    expect(blocks[1]!.fields!.map((f) => f.text)).toEqual([
      '*Severity*\nHIGH',
      `*Rule*\n\`${alert.ruleId}\``,
      '*Bucket*\nprod-data',
      '*Key*\nreports/q3.csv',
      '*Source IP*\n203.0.113.7',
      '*Operation*\nREST.GET.OBJECT',
      '*Event time*\n2024-05-01T10:12:13.000Z',
    ]);
    expect(blocks[2]!.text!.text).toBe(alert.description);
    expect(blocks[3]!.text!.text).toBe('*Summary*\n• *bucket*: prod-data\n• *remoteip*: 203.0.113.7');
    // verbatim: client-written text (keys, user agents) must not become links or mentions.
    expect(blocks[4]!.elements).toEqual([
      { type: 'mrkdwn', text: 'MITRE ATT&amp;CK: TA0009:T1530', verbatim: true },
      { type: 'mrkdwn', text: 'Tags: AWS, S3, Collection', verbatim: true },
      { type: 'mrkdwn', text: `Alert \`${alert.alertId}\``, verbatim: true },
    ]);
    expect(blocks[5]!.elements).toEqual([
      { type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: alert.runbook },
      { type: 'button', text: { type: 'plain_text', text: 'Reference' }, url: alert.reference },
    ]);
  });

  it('shows the requester, escapes mrkdwn and keeps a plain-text runbook as text', () => {
    const alert = makeAlert({
      event: { ...makeAlert().event, requester: 'arn:aws:iam::1:user/<bob>&co' },
      runbook: 'Call the on-call DBA',
    });
    const blocks = alertMessage(alert).attachments[0]!.blocks as Block[];
    expect(blocks[1]!.fields!.map((f) => f.text)).toContain(
      '*Requester*\narn:aws:iam::1:user/&lt;bob&gt;&amp;co',
    );
    expect(blocks.some((b) => b.text?.text === '*Runbook*\nCall the on-call DBA')).toBe(true);
    expect(blocks.at(-1)!.elements).toHaveLength(1);
  });

  it('stays within Block Kit limits for huge alerts and digests', () => {
    const huge = 'x'.repeat(20_000);
    const alert = makeAlert({
      title: huge,
      description: huge,
      summary: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`attr${i}`, huge])),
      event: { ...makeAlert().event, key: huge },
    });
    for (const message of [alertMessage(alert), digestMessage(Array.from({ length: 120 }, () => alert))]) {
      expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackTextChars);
      const blocks = message.attachments[0]!.blocks as Block[];
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
      for (const block of blocks) {
        if (block.type === 'header')
          expect(block.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerChars);
        if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionTextChars);
        for (const field of block.fields ?? [])
          expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldChars);
        expect(block.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
      }
    }
  });

  it('colours a digest by its most severe alert', () => {
    const message = digestMessage([makeAlert({ severity: 'LOW' }), makeAlert({ severity: 'CRITICAL' })]);
    expect(message.attachments[0]!.color).toBe('#A30200');
    expect(message.text).toMatch(/^2 s3-sentinel alerts \(1 CRITICAL, 1 LOW\)/);
  });
});

describe('PagerDuty', () => {
  it('posts an Events API v2 trigger with a stable dedup_key', async () => {
    const routingKey = 'R0UTINGKEY0123456789abcdef012345';
    const { request, alert } = await deliverOne({ type: 'pagerduty', routingKey, url: '/v2/enqueue' }, 202);

    expect(request.path).toBe('/v2/enqueue');
    const body = JSON.parse(request.body);
    expect(body.routing_key).toBe(routingKey);
    expect(body.event_action).toBe('trigger');
    expect(body.dedup_key).toBe(alert.alertId);
    expect(body.client).toBe('s3-sentinel');
    expect(body.payload.summary).toBe(`[HIGH] ${alert.title}`);
    expect(body.payload.source).toBe('s3://prod-data');
    expect(body.payload.severity).toBe('error');
    expect(body.payload.timestamp).toBe('2024-05-01T10:12:13.000Z');
    expect(body.payload.component).toBe('AWS.S3ServerAccess');
    expect(body.payload.group).toBe('123456789012');
    expect(body.payload.class).toBe(alert.ruleId);
    expect(body.payload.custom_details).toMatchObject({
      alertId: alert.alertId,
      ruleId: alert.ruleId,
      description: alert.description,
      summary: alert.summary,
      context: alert.context,
      reports: alert.reports,
      tags: alert.tags,
      event: alert.event,
    });
    expect(body.links).toEqual([
      { href: alert.runbook, text: 'Runbook' },
      { href: alert.reference, text: 'Reference' },
    ]);
  });

  it('maps every severity explicitly', () => {
    expect(
      SEVERITIES.map((s) => triggerEvent(makeAlert({ severity: s }), { routingKey: 'k' }).payload.severity),
    ).toEqual(['info', 'info', 'warning', 'error', 'critical']);
    expect(PAGERDUTY_SEVERITY.CRITICAL).toBe('critical');
  });

  it('cuts the summary to 1024 characters and long ids to a stable 255-character key', () => {
    const event = triggerEvent(makeAlert({ title: 'y'.repeat(5000) }), {
      routingKey: 'k',
      source: 'src',
      group: 'g',
    });
    expect(event.payload.summary).toHaveLength(1024);
    expect(event.payload.source).toBe('src');
    expect(event.payload.group).toBe('g');
    const longId = 'a'.repeat(400);
    expect(dedupKey(longId).length).toBeLessThanOrEqual(255);
    expect(dedupKey(longId)).toBe(dedupKey(longId));
    expect(dedupKey(longId)).not.toBe(dedupKey(`${longId}b`));
  });
});

describe('text limits', () => {
  it('never cuts an emoji in half', () => {
    const cut = truncate(`${'a'.repeat(8)}😀😀`, 10);
    expect(cut).toBe(`${'a'.repeat(8)}…`);
    expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut); // a lone half would become U+FFFD
  });

  // Escaped first, cut after: the cut must not leave `&am…` for Slack to show as such.
  it('never ends a cut Slack text in part of an escaped character', () => {
    const message = alertMessage(makeAlert({ description: `${'x'.repeat(2998)}&& tail` }));
    const description = message.attachments[0]!.blocks[2]!;
    expect(description).toMatchObject({ type: 'section', text: { text: `${'x'.repeat(2998)}…` } });
    const fallback = fallbackText(makeAlert({ title: `${'y'.repeat(2990)} <b>`, severity: 'LOW' }));
    expect(fallback).toMatch(/y …$/); // cut before `&l`, not inside it
    expect(fallback).not.toMatch(/&[a-z]{0,3}…$/);
  });

  it('gives a blank title the rule id as Slack header, and escapes rule ids in mrkdwn', () => {
    const message = alertMessage(makeAlert({ title: '   ', ruleId: 'Custom.<!channel>.Rule' }));
    const text = JSON.stringify(message);
    expect(text).toContain('"text":"Custom.<!channel>.Rule"'); // plain_text header: shown as is
    expect(text).not.toMatch(/`Custom\.<!channel>/); // never live inside mrkdwn
  });
});

describe('PagerDuty payload size', () => {
  const size = (event: object) => Buffer.byteLength(JSON.stringify(event));

  it('drops the record first when the event is too large, and keeps the rest', () => {
    const event = triggerEvent(makeAlert({ event: { useragent: 'u'.repeat(600_000) } }), { routingKey: 'k' });
    expect(size(event)).toBeLessThanOrEqual(512 * 1024);
    expect(event.payload.custom_details.event).toBe('(omitted: too large for PagerDuty)');
    expect(event.payload.custom_details.context).toBeDefined();
  });

  it('shrinks the details to the alert identity when the rest is still too large', () => {
    const alert = makeAlert({ context: { userAgent: 'u'.repeat(600_000) } });
    const event = triggerEvent(alert, { routingKey: 'k' });
    expect(size(event)).toBeLessThanOrEqual(512 * 1024);
    expect(event.payload.custom_details).toMatchObject({ alertId: alert.alertId, ruleId: alert.ruleId });
    expect(event.payload.custom_details.note).toMatch(/too large/);
  });

  // Rule-written fields the details fallback does not touch: a huge runbook link, a huge rule id.
  it('fits even when the links and rule id alone are too large', () => {
    const alert = makeAlert({ runbook: `https://x/${'r'.repeat(600_000)}`, ruleId: 'R'.repeat(600_000) });
    const event = triggerEvent(alert, { routingKey: 'k' });
    expect(size(event)).toBeLessThanOrEqual(500_000);
    expect(event.links).toEqual([]);
    expect(event.payload.custom_details).toMatchObject({ alertId: alert.alertId });
  });
});

describe('webhook', () => {
  it('posts the alert contract JSON with headers, the alert id and a verifiable signature', async () => {
    const secret = 'a-long-enough-signing-secret';
    const before = Math.floor(Date.now() / 1000);
    const { request, alert } = await deliverOne(
      { type: 'webhook', url: '/ingest', secret, headers: { Authorization: 'Bearer t0k3n' } },
      204,
    );

    expect(JSON.parse(request.body)).toEqual(alert);
    expect(request.headers.authorization).toBe('Bearer t0k3n');
    expect(request.headers['x-s3-sentinel-alert-id']).toBe(alert.alertId);
    const signature = request.headers['x-s3-sentinel-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(Number(/t=(\d+)/.exec(signature)![1])).toBeGreaterThanOrEqual(before);
    expect(verifySignature(secret, request.body, signature)).toBe(true);
    expect(verifySignature(secret, `${request.body} `, signature)).toBe(false);
    expect(verifySignature('another-secret-of-length', request.body, signature)).toBe(false);
    // Receivers rotating their secret list several v1 values; spaces after commas are fine.
    const [t, v1] = signature.split(',');
    expect(verifySignature(secret, request.body, `${t}, v1=${'0'.repeat(64)}, ${v1}`)).toBe(true);
    // The timestamp is signed as written: another spelling of the same number does not verify.
    const seconds = Number(t!.slice(2));
    expect(verifySignature(secret, request.body, `t=${seconds}.0,${v1}`)).toBe(false);
  });

  it('sends no signature without a secret', async () => {
    const { request } = await deliverOne({ type: 'webhook', url: '/ingest' }, 200);
    expect(request.headers['x-s3-sentinel-signature']).toBeUndefined();
  });
});
