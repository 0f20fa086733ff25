import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observe/logger.js';

function logged(object: Record<string, unknown>): string {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  createLogger({ destination }).info(object, 'line');
  return text;
}

describe('logger redaction', () => {
  it('blanks credentials at any depth a log call could carry them', () => {
    const text = logged({
      webhookUrl: 'https://hooks.slack.com/services/T/B/TopLevelSecret',
      sinks: [{ routingKey: 'ArraySecret0123456' }],
      a: { sink: { url: 'https://siem.example.com/in?token=NestedSecret' } },
      err: { cause: { request: { headers: { authorization: 'Bearer DeepSecret' } } } },
    });
    for (const secret of ['TopLevelSecret', 'ArraySecret0123456', 'NestedSecret', 'DeepSecret']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});
