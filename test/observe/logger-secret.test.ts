import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observe/logger.js';

// A webhook sink's signing secret lets whoever holds it forge alerts the receiver will trust.
describe('logger redaction of secrets', () => {
  it('blanks a field named secret, at the top level and nested', () => {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    createLogger({ destination }).info(
      { secret: 'TopSigningSecret123', sink: { name: 'hook', secret: 'NestedSigningSecret456' } },
      'line',
    );
    expect(text).not.toContain('TopSigningSecret123');
    expect(text).not.toContain('NestedSigningSecret456');
    expect(text).toContain('"secret":"[redacted]"');
    expect(text).toContain('"name":"hook"');
  });
});
