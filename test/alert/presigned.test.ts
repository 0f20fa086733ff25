import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../src/alert/build-alert.js';
import { toRuleMatch } from '../../src/detect/match.js';
import { isParseError, parseS3AccessLine, type S3AccessEvent } from '../../src/logs/s3-access/index.js';
import { testRule } from '../helpers/rules.js';
import { line } from '../logs/s3-access/lines.js';

// Shaped like the real ones: a SigV4 signature is 64 hex digits, an STS session token hundreds of
// base64 characters (percent-encoded in the URL).
const SIGNATURE = '0123456789abcdef'.repeat(4);
const TOKEN = `IQoJb3JpZ2luSessionToken/${'FwoGZXIvYXdzEBYaDH'.repeat(8)}+Zm9v==`;
const PRESIGNED = `GET /amzn-s3-demo-bucket1/a.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20190206%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20190206T000038Z&X-Amz-Expires=604800&X-Amz-Security-Token=${encodeURIComponent(TOKEN)}&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIGNATURE} HTTP/1.1`;

describe('alerts of presigned requests', () => {
  // Alerts go to chat and paging tools: a working presigned URL must not travel with them.
  it('carry the request-URI without its signature and session token; rules see it whole', () => {
    const event = parseS3AccessLine(line({ requestUri: `"${PRESIGNED}"` })) as S3AccessEvent;
    expect(isParseError(event)).toBe(false);
    const rule = testRule({ logTypes: ['AWS.S3ServerAccess'], summaryAttributes: ['requestURI'] });
    const alert = buildAlert(toRuleMatch(rule, event), { alertId: 'a', windowStartMs: 0 });
    for (const uri of [alert.event.requesturi, alert.summary.requestURI] as string[]) {
      expect(uri).toContain('X-Amz-Signature=[redacted] HTTP/1.1');
      expect(uri).toContain('X-Amz-Security-Token=[redacted]&');
      expect(uri).toContain('X-Amz-Credential=ASIAEXAMPLE'); // who signed it stays visible
      expect(uri).not.toMatch(/0123456789abcdef|SessionToken/);
    }
    expect(event.get('requesturi')).toBe(PRESIGNED);
  });

  // A page opened from a presigned URL sends it as the Referer of its sub-requests, and a rule can
  // put the request-URI in its title, dedup string or context: none of them may carry the secrets.
  it('strip them from the referrer, title, dedup string and context too, keeping the alert id', () => {
    const url = `https://photos.s3.amazonaws.com/${PRESIGNED.split(' ')[1]!.slice(1)}`;
    const event = parseS3AccessLine(
      line({ requestUri: `"${PRESIGNED}"`, referrer: `"${url}"` }),
    ) as S3AccessEvent;
    expect(isParseError(event)).toBe(false);
    const rule = testRule({
      logTypes: ['AWS.S3ServerAccess'],
      helpers: {
        title: (e) => `GET ${String(e.get('requesturi'))}`,
        dedup: (e) => String(e.get('referrer')),
        alertContext: (e) => ({ nested: [{ uri: e.get('requesturi') }] }),
      },
      kind: 'code',
    });
    const match = toRuleMatch(rule, event);
    expect(match.dedupString).toContain('0123456789abcdef'); // dedup decides on the raw value
    const alert = buildAlert(match, { alertId: 'stable-id', windowStartMs: 0 });
    expect(alert.alertId).toBe('stable-id');
    const written = JSON.stringify(alert);
    expect(written).not.toMatch(/0123456789abcdef|SessionToken/);
    expect(alert.event.referrer).toContain('X-Amz-Signature=[redacted]');
    expect(alert.title).toContain('X-Amz-Signature=[redacted]');
    expect(alert.dedupString).toContain('X-Amz-Signature=[redacted]');
    expect(JSON.stringify(alert.context)).toContain('X-Amz-Security-Token=[redacted]');
    expect(event.get('referrer')).toBe(url); // rules still see it whole
  });

  // What sinks send is JSON: an object with toJSON() (a URL) is a string there, and a presigned
  // URL nested in another URL's query is percent-encoded.
  it('strip them from objects that become strings in JSON, and from percent-encoded URLs', () => {
    const nested = `https://viewer.example.com/v.html?file=${encodeURIComponent(`https://b.s3.amazonaws.com/k?X-Amz-Signature=ENCODEDSECRET&x=1`)}`;
    const event = parseS3AccessLine(
      line({ requestUri: `"${PRESIGNED}"`, referrer: `"${nested}"` }),
    ) as S3AccessEvent;
    const rule = testRule({
      logTypes: ['AWS.S3ServerAccess'],
      helpers: {
        alertContext: (e) => ({
          link: new URL(`https://b.s3.amazonaws.com${String(e.get('requesturi')).split(' ')[1]}`),
        }),
      },
      kind: 'code',
    });
    const alert = buildAlert(toRuleMatch(rule, event), { alertId: 'a', windowStartMs: 0 });
    const written = JSON.stringify(alert);
    expect(written).not.toMatch(/0123456789abcdef|SessionToken|ENCODEDSECRET/);
    expect(alert.event.referrer).toContain('X-Amz-Signature%3D[redacted]%26x%3D1');
    expect(String(alert.context.link)).toContain('X-Amz-Signature=[redacted]');
  });

  // A code rule may take the query apart itself: into an object keyed by parameter, or into
  // `name=value` pieces. Neither form may carry the secrets to a sink.
  it('strip them from a query a code rule split into pieces, pairs or an object, and nothing else', () => {
    const event = parseS3AccessLine(line({ requestUri: `"${PRESIGNED}"` })) as S3AccessEvent;
    const rule = testRule({
      logTypes: ['AWS.S3ServerAccess'],
      helpers: {
        alertContext: (e) => {
          const query = String(e.get('requesturi')).split(' ')[1]!.split('?')[1]!;
          return {
            params: Object.fromEntries(new URLSearchParams(query)),
            pairs: [...new URLSearchParams(query)],
            repeated: { 'X-Amz-Signature': [query.length > 0 ? SIGNATURE : ''] },
            pieces: query.split('&'),
            json: JSON.stringify(Object.fromEntries(new URLSearchParams(query))),
            entries: [...new URLSearchParams(query)].map(([name, value]) => ({ Key: name, Value: value })),
            snake: Object.fromEntries(
              [...new URLSearchParams(query)].map(([k, v]) => [k.toLowerCase().replaceAll('-', '_'), v]),
            ),
            splitOnEquals: decodeURIComponent(query)
              .split('&')
              .map((piece) => piece.split('=')),
            // Look like the names, are not secrets: kept.
            signature: 'SigV4',
            algorithm: 'AWS4-HMAC-SHA256',
            note: 'checks the Signature=SigV4 field',
            names: ['X-Amz-Signature', 'X-Amz-Security-Token'],
          };
        },
      },
      kind: 'code',
    });
    const alert = buildAlert(toRuleMatch(rule, event), { alertId: 'a', windowStartMs: 0 });
    expect(JSON.stringify(alert)).not.toMatch(/0123456789abcdef|SessionToken/);
    const context = alert.context as { params: Record<string, string>; pieces: string[] };
    expect(context.params['X-Amz-Signature']).toBe('[redacted]');
    expect(context.params['X-Amz-Security-Token']).toBe('[redacted]');
    expect(context.params['X-Amz-Credential']).toContain('ASIAEXAMPLE');
    expect(context.pieces).toContain('X-Amz-Signature=[redacted]');
    expect(alert.context).toMatchObject({
      pairs: expect.arrayContaining([
        ['X-Amz-Signature', '[redacted]'],
        ['X-Amz-Security-Token', '[redacted]'],
      ]),
      repeated: { 'X-Amz-Signature': ['[redacted]'] },
      signature: 'SigV4',
      algorithm: 'AWS4-HMAC-SHA256',
      note: 'checks the Signature=SigV4 field',
      names: ['X-Amz-Signature', 'X-Amz-Security-Token'],
    });
  });

  // A SigV2 presigned URL (`?AWSAccessKeyId=…&Expires=…&Signature=…`, base64 with `=` padding):
  // its signature is found by value, however the rule reshapes it.
  it('strip a SigV2 signature by its value, padded or not, in any shape', () => {
    const signature = 'Zm9vYmFyYmF6cXV4cXV1eHh4eHk=';
    const uri = `GET /photos/a.jpg?AWSAccessKeyId=AKIAEXAMPLE&Expires=1700000000&Signature=${encodeURIComponent(signature)} HTTP/1.1`;
    const event = parseS3AccessLine(line({ requestUri: `"${uri}"` })) as S3AccessEvent;
    const rule = testRule({
      logTypes: ['AWS.S3ServerAccess'],
      helpers: {
        title: (e) => `Signed by ${String(e.get('requesturi')).split('Signature=')[1]}`,
        alertContext: (e) => {
          const query = decodeURIComponent(String(e.get('requesturi')).split(' ')[1]!.split('?')[1]!);
          return {
            pairs: query.split('&').map((piece) => piece.split('=')),
            authorization: `AWS AKIAEXAMPLE:${signature}`,
          };
        },
      },
      kind: 'code',
    });
    const alert = buildAlert(toRuleMatch(rule, event), { alertId: 'a', windowStartMs: 0 });
    expect(JSON.stringify(alert)).not.toContain('Zm9vYmFyYmF6cXV4cXV1eHh4eHk');
    expect(alert.context).toMatchObject({ authorization: 'AWS AKIAEXAMPLE:[redacted]' });
    expect(event.get('requesturi')).toBe(uri); // rules still see it whole
  });

  // The referrer is client text: a "presigned URL" there whose "signature" is the requester's own
  // canonical id must not blank the requester out of every part of the alert.
  it('never redact by value what another field of the record holds', () => {
    const canonicalId = 'a'.repeat(32) + 'b'.repeat(32); // 64 hex digits, like a SigV4 signature
    const referrer = `https://x.example/?X-Amz-Credential=x&X-Amz-Signature=${canonicalId}`;
    const event = parseS3AccessLine(
      line({ requester: canonicalId, referrer: `"${referrer}"` }),
    ) as S3AccessEvent;
    expect(isParseError(event)).toBe(false);
    const rule = testRule({
      logTypes: ['AWS.S3ServerAccess'],
      summaryAttributes: ['requester'],
      helpers: { title: (e) => `Read by ${String(e.get('requester'))}` },
      kind: 'code',
    });
    const alert = buildAlert(toRuleMatch(rule, event), { alertId: 'a', windowStartMs: 0 });
    expect(alert.title).toBe(`Read by ${canonicalId}`);
    expect(alert.summary.requester).toBe(canonicalId);
    expect(alert.event.requester).toBe(canonicalId);
    expect(alert.event.referrer).toBe('https://x.example/?X-Amz-Credential=x&X-Amz-Signature=[redacted]');
  });

  // Neither can a "token" that spans fields (bucket and key in an s3:// URL), nor one that names the
  // alert's id: the id, rule and window are not text a rule wrote, and are never redacted.
  it('never redact by value across fields, nor the alert id', () => {
    const key = `payroll/${'q'.repeat(120)}`;
    const spanning = `bucket1/${key}`;
    const id = 'A'.repeat(100);
    const referrer = `https://x.example/?X-Amz-Credential=x&X-Amz-Security-Token=${encodeURIComponent(spanning)}&X-Amz-Security-Token=${id}`;
    const event = parseS3AccessLine(line({ key, referrer: `"${referrer}"` })) as S3AccessEvent;
    expect(isParseError(event)).toBe(false);
    const rule = testRule({
      logTypes: ['AWS.S3ServerAccess'],
      helpers: { title: (e) => `Read of s3://amzn-s3-demo-${'bucket1'}/${String(e.get('key'))}` },
      kind: 'code',
    });
    const alert = buildAlert(toRuleMatch(rule, event), { alertId: id, windowStartMs: 0 });
    expect(alert.title).toBe(`Read of s3://amzn-s3-demo-bucket1/${key}`);
    expect(alert.alertId).toBe(id);
  });

  // Multi-Region Access Point URLs are signed with SigV4a: an ECDSA signature of about 140 hex digits.
  it('strip a SigV4a signature however the rule reshapes it', () => {
    const signature = `3045022100${'ab'.repeat(32)}0220${'cd'.repeat(32)}`;
    const uri = `GET /a.txt?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fs3%2Faws4_request&X-Amz-Signature=${signature} HTTP/1.1`;
    const event = parseS3AccessLine(line({ requestUri: `"${uri}"` })) as S3AccessEvent;
    const rule = testRule({
      logTypes: ['AWS.S3ServerAccess'],
      helpers: {
        alertContext: (e) => ({
          params: Object.fromEntries(
            new URLSearchParams(String(e.get('requesturi')).split(' ')[1]!.split('?')[1]),
          ),
        }),
      },
      kind: 'code',
    });
    const alert = buildAlert(toRuleMatch(rule, event), { alertId: 'a', windowStartMs: 0 });
    expect(JSON.stringify(alert)).not.toContain(signature);
  });
});
