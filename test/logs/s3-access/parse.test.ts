import { describe, expect, it } from 'vitest';
import type { S3AccessEvent } from '../../../src/logs/s3-access/index.js';
import {
  FIELD_NAMES,
  isParseError,
  parseAccessLogTime,
  parseS3AccessLine,
  type ParseError,
} from '../../../src/logs/s3-access/index.js';
import {
  AWS_DOC_LINES,
  FORGED_TLS_USER_AGENT,
  OAI_REQUESTER,
  OWNER,
  PLAIN_HTTP_TAIL,
  TLS_TAIL,
  line,
} from './lines.js';

function parsed(text: string): S3AccessEvent {
  const result = parseS3AccessLine(text, { file: 'test.log', line: 7 });
  if (isParseError(result)) throw new Error(`expected a record, got: ${result.message}`);
  return result;
}

function failed(text: string): ParseError {
  const result = parseS3AccessLine(text, { file: 'test.log', line: 7 });
  if (!isParseError(result)) throw new Error(`expected an error for: ${text}`);
  return result;
}

describe('parseS3AccessLine on the AWS documentation examples', () => {
  it('reads every field of the first example', () => {
    expect(parsed(AWS_DOC_LINES[0]!).toJSON()).toMatchObject({
      bucketowner: OWNER,
      bucket: 'amzn-s3-demo-bucket1',
      time: '2019-02-06 00:00:38.000000000',
      remoteip: '192.0.2.3',
      requester: OWNER,
      requestid: '3E57427F3EXAMPLE',
      operation: 'REST.GET.VERSIONING',
      requesturi: 'GET /amzn-s3-demo-bucket1?versioning HTTP/1.1',
      httpstatus: 200,
      bytessent: 113,
      totaltime: 7,
      useragent: 'S3Console/0.4',
      hostid: 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
      signatureversion: 'SigV4',
      ciphersuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      authenticationtype: 'AuthHeader',
      hostheader: 'amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com',
      tlsVersion: 'TLSV1.2',
      accesspointarn: 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP',
      aclrequired: 'Yes',
      sourceregion: 'us-east-1',
      p_log_type: 'AWS.S3ServerAccess',
      p_event_time: '2019-02-06 00:00:38.000000000',
      p_any_ip_addresses: ['192.0.2.3'],
      p_any_aws_arns: ['arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP'],
      p_any_aws_account_ids: ['123456789012'],
      p_source: { file: 'test.log', line: 7 },
    });
  });

  it('reads all five examples, with errors, dashes and numbers in place', () => {
    const records = AWS_DOC_LINES.map(parsed);
    expect(records.map((r) => r.get('operation'))).toEqual([
      'REST.GET.VERSIONING',
      'REST.GET.LOGGING_STATUS',
      'REST.GET.BUCKETPOLICY',
      'REST.GET.VERSIONING',
      'REST.PUT.OBJECT',
    ]);
    expect(records[2]!.get('errorcode')).toBe('NoSuchBucketPolicy');
    expect(records[2]!.get('httpstatus')).toBe(404);
    const put = records[4]!;
    expect([put.get('key'), put.get('bytessent'), put.get('objectsize'), put.get('totaltime')]).toEqual([
      's3-dg.pdf',
      null,
      4406583,
      41754,
    ]);
    expect(put.get('turnaroundtime')).toBe(28);
    expect(put.get('ciphersuite')).toBe('ECDHE-RSA-AES128-SHA');
  });

  it('turns `-` into null and leaves absent fields out of the JSON', () => {
    const record = parsed(AWS_DOC_LINES[1]!);
    expect(record.get('key')).toBeNull();
    expect(record.get('referrer')).toBeNull();
    expect(record.get('versionid')).toBeNull();
    expect(record.get('accesspointarn')).toBeNull();
    const json = record.toJSON();
    expect(json).not.toHaveProperty('key');
    expect(json).not.toHaveProperty('referrer');
    expect(json).not.toHaveProperty('additionalfields');
    expect(json).not.toHaveProperty('p_any_aws_arns'); // the requester is a canonical id, not an ARN
  });
});

describe('field lookup', () => {
  const record = parsed(AWS_DOC_LINES[0]!);

  it('is case-insensitive, as in Panther rules', () => {
    expect(record.get('tlsversion')).toBe('TLSV1.2');
    expect(record.get('TLSVERSION')).toBe('TLSV1.2');
    expect(record.get('tlsVersion')).toBe('TLSV1.2');
    expect(record.get('Operation')).toBe('REST.GET.VERSIONING');
    expect(record.get('P_LOG_TYPE')).toBe('AWS.S3ServerAccess');
  });

  it('gives undefined for fields the record type does not have', () => {
    expect(record.get('eventName')).toBeUndefined();
    expect(record.get('')).toBeUndefined();
  });

  it('gives the same value on repeated reads', () => {
    expect(record.get('useragent')).toBe(record.get('USERAGENT'));
  });

  it('has a JSON key for every non-empty field, named as Panther names it', () => {
    const keys = Object.keys(parsed(AWS_DOC_LINES[0]!).toJSON()).filter((k) => !k.startsWith('p_'));
    expect(keys).toEqual(
      FIELD_NAMES.filter(
        (name) =>
          !['key', 'errorcode', 'objectsize', 'turnaroundtime', 'referrer', 'versionid'].includes(name),
      ),
    );
  });

  it('exposes logType, source and eventTimeMs', () => {
    expect(record.logType).toBe('AWS.S3ServerAccess');
    expect(record.source).toEqual({ file: 'test.log', line: 7 });
    expect(record.eventTimeMs).toBe(Date.UTC(2019, 1, 6, 0, 0, 38));
  });
});

// Dedup counts a Threshold match once per line, by a hash of this text (alert/dedup.ts).
describe('identityText', () => {
  // A multi-object delete logs one line per object, all under the request's one id and host id.
  it('tells apart the lines of one multi-object delete, which share a request id', () => {
    const first = parsed(AWS_DOC_LINES[0]!.replace(' REST.GET.VERSIONING - ', ' BATCH.DELETE.OBJECT a.txt '));
    const second = parsed(
      AWS_DOC_LINES[0]!.replace(' REST.GET.VERSIONING - ', ' BATCH.DELETE.OBJECT b.txt '),
    );
    expect(first.get('requestid')).toBe(second.get('requestid'));
    expect(first.identityText).not.toBe(second.identityText);
  });
});

describe('time', () => {
  it('honours non-zero offsets and writes UTC', () => {
    const record = parsed(line({ time: '[06/Feb/2019:05:30:38 +0530]' }));
    expect(record.eventTimeMs).toBe(Date.UTC(2019, 1, 6, 0, 0, 38));
    expect(record.get('time')).toBe('2019-02-06 00:00:38.000000000');
    expect(parsed(line({ time: '[05/Feb/2019:23:00:38 -0100]' })).get('p_event_time')).toBe(
      '2019-02-06 00:00:38.000000000',
    );
  });

  it.each([
    '[06/Foo/2019:00:00:38 +0000]',
    '[31/Feb/2019:00:00:38 +0000]',
    '[06/Feb/2019:24:00:38 +0000]',
    '[06/Feb/2019 00:00:38 +0000]',
    '[06/Feb/2019:00:00:38 0000]',
    '[6/Feb/2019:00:00:38 +0000]',
  ])('rejects the malformed time %s', (time) => {
    expect(failed(line({ time })).message).toMatch(/time|bucket owner/);
  });
});

describe('the hazards of real lines', () => {
  it('keeps unescaped quotes inside the request-URI', () => {
    const record = parsed(line({ requestUri: '"GET /amzn-s3-demo-bucket1/a" HTTP/1.1"' }));
    expect(record.get('requesturi')).toBe('GET /amzn-s3-demo-bucket1/a" HTTP/1.1');
    expect(record.get('httpstatus')).toBe(200);
  });

  it('keeps unescaped quotes inside the referrer and the user agent', () => {
    const record = parsed(
      line({ referrer: '"https://example.com/?q="x""', userAgent: '"curl/8.5.0 ""quoted"""' }),
    );
    expect(record.get('referrer')).toBe('https://example.com/?q="x"');
    expect(record.get('useragent')).toBe('curl/8.5.0 ""quoted""');
    expect(record.get('tlsversion')).toBe('TLSv1.2');
  });

  it('accepts quoted fields written as a bare -', () => {
    const bareUa = parsed(line({ userAgent: '-' }));
    expect(bareUa.get('useragent')).toBeNull();
    expect(bareUa.get('hostid')).toMatch(/^s9lz/);
    const bareReferrerQuotedUa = parsed(line({ referrer: '-', userAgent: '"S3Console/0.4"' }));
    expect(bareReferrerQuotedUa.get('useragent')).toBe('S3Console/0.4');
    const allBare = parsed(
      line({ requestUri: '-', referrer: '-', userAgent: '-', operation: 'S3.EXPIRE.OBJECT' }),
    );
    expect([allBare.get('requesturi'), allBare.get('referrer'), allBare.get('useragent')]).toEqual([
      null,
      null,
      null,
    ]);
    expect(allBare.get('signatureversion')).toBe('SigV4');
    const quotedReferrerBareUa = parsed(line({ referrer: '"https://example.com/a"', userAgent: '-' }));
    expect(quotedReferrerBareUa.get('referrer')).toBe('https://example.com/a');
    expect(quotedReferrerBareUa.get('useragent')).toBeNull();
    expect(quotedReferrerBareUa.get('versionid')).toBeNull();
  });

  it('reads CloudFront Origin Access Identity requesters, which contain spaces', () => {
    const record = parsed(line({ requester: OAI_REQUESTER }));
    expect(record.get('requester')).toBe(OAI_REQUESTER);
    expect(record.get('requestid')).toBe('3E57427F3EXAMPLE');
    expect(record.get('operation')).toBe('REST.GET.OBJECT');
    expect(record.get('key')).toBe('a.txt');
    expect(record.get('p_any_aws_arns')).toEqual([OAI_REQUESTER]);
    expect(record.get('p_any_aws_account_ids')).toEqual([]); // "cloudfront" is not an account id
  });

  describe('client text cannot move the fields AWS writes after it', () => {
    it('a plain-HTTP request reads as plain HTTP whatever its user agent says', () => {
      const record = parsed(line({ userAgent: `"${FORGED_TLS_USER_AGENT}"`, tail: PLAIN_HTTP_TAIL }));
      expect(record.get('useragent')).toBe(FORGED_TLS_USER_AGENT);
      expect(record.get('ciphersuite')).toBeNull();
      expect(record.get('tlsversion')).toBeNull();
      expect(record.get('hostheader')).toBe('amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com');
    });

    it('…or its referrer says, with a bare user agent', () => {
      const record = parsed(
        line({ referrer: `"${FORGED_TLS_USER_AGENT}"`, userAgent: '-', tail: PLAIN_HTTP_TAIL }),
      );
      expect(record.get('referrer')).toBe(FORGED_TLS_USER_AGENT);
      expect(record.get('tlsversion')).toBeNull();
      expect(record.get('ciphersuite')).toBeNull();
    });

    it('…or a request-URI with quotes says', () => {
      const record = parsed(
        line({ requestUri: '"GET /a"_200_-_1_1_1_1_"x" HTTP/1.1"', tail: PLAIN_HTTP_TAIL }),
      );
      expect(record.get('requesturi')).toBe('GET /a"_200_-_1_1_1_1_"x" HTTP/1.1');
      expect(record.get('tlsversion')).toBeNull();
    });

    // A `" "` in the referrer makes the line readable as two quoted fields; read that way the tail
    // starts one field early, and only exact shapes (a TLS version, no signature word as a cipher
    // suite) tell the shifted reading from the real one. A host header starting with `tls` once
    // passed for a TLS version here and hid a plain-HTTP request from the Insecure rule.
    it.each([
      ['a host header that starts with "tls"', 'tls-bucket.s3.amazonaws.com'],
      ['a host header that looks like a version', 'tlsv1.example.com'],
    ])('…or a referrer holding `" "` before a bare user agent, with %s', (_name, host) => {
      const tail = `- - SigV4 - AuthHeader ${host} -`;
      const record = parsed(line({ referrer: '"a" "b"', userAgent: '-', tail }));
      expect(record.get('referrer')).toBe('a" "b');
      expect(record.get('useragent')).toBeNull();
      expect(record.get('signatureversion')).toBe('SigV4');
      expect(record.get('ciphersuite')).toBeNull();
      expect(record.get('hostheader')).toBe(host);
      expect(record.get('tlsversion')).toBeNull();
    });

    it('a forged user agent on a TLS line leaves the real TLS fields', () => {
      const record = parsed(line({ userAgent: '"x" SigV2 - QueryString h - - -"', tail: TLS_TAIL }));
      expect(record.get('tlsversion')).toBe('TLSv1.2');
      expect(record.get('signatureversion')).toBe('SigV4');
    });
  });

  // A shifted reading of a bare user agent after a referrer holding `" "` once put the access point
  // ARN in aclrequired and "Yes" in sourceregion, which the alert then gave as its region.
  it('…and the fields after the TLS version have their shapes too', () => {
    const arn = 'arn:aws:s3:us-east-1:123456789012:accesspoint/ap';
    const record = parsed(
      line({ referrer: '"a" "b"', userAgent: '-', tail: `- - - - AuthHeader - - ${arn} Yes us-east-1` }),
    );
    expect(record.get('referrer')).toBe('a" "b');
    expect(record.get('useragent')).toBeNull();
    expect(record.get('authenticationtype')).toBe('AuthHeader');
    expect([record.get('accesspointarn'), record.get('aclrequired'), record.get('sourceregion')]).toEqual([
      arn,
      'Yes',
      'us-east-1',
    ]);
  });

  // With the host id `-`, the both-quoted reading of `"" ""` fits a tail one field off and takes a
  // host header shaped like a TLS version for the TLS version.
  it('…and cipher suite and TLS version are written together, or neither', () => {
    const record = parsed(
      line({ referrer: '"" ""', userAgent: '-', tail: '- - - - AuthHeader TLSv1 - - - us-east-1' }),
    );
    expect(record.get('referrer')).toBe('" "');
    expect(record.get('useragent')).toBeNull();
    expect(record.get('authenticationtype')).toBe('AuthHeader');
    expect(record.get('hostheader')).toBe('TLSv1');
    expect(record.get('tlsversion')).toBeNull();
    expect(record.get('sourceregion')).toBe('us-east-1');
  });

  it('reads signature versions, authentication types and TLS versions AWS may add later', () => {
    const tail = TLS_TAIL.replace('SigV4', 'SigV4A')
      .replace('AuthHeader', 'PresignedPost')
      .replace('TLSv1.2', 'TLSv2');
    const record = parsed(line({ tail }));
    expect(record.get('signatureversion')).toBe('SigV4A');
    expect(record.get('authenticationtype')).toBe('PresignedPost');
    expect(record.get('tlsversion')).toBe('TLSv2');
    expect(record.get('ciphersuite')).toBe('ECDHE-RSA-AES128-GCM-SHA256');
  });

  it('reads source regions numbered above 9', () => {
    expect(
      parsed(line({ tail: TLS_TAIL.replace(/us-east-1$/, 'ap-southeast-10') })).get('sourceregion'),
    ).toBe('ap-southeast-10');
  });

  it('drops the CR of a CRLF line ending', () => {
    expect(parsed(`${AWS_DOC_LINES[1]!}\r`).get('sourceregion')).toBe('us-east-1');
  });

  it('accepts old 24-field, 25- and 26-field lines and keeps unknown trailing fields', () => {
    const tail24 = TLS_TAIL.split(' ').slice(0, 7).join(' ');
    const old = parsed(line({ tail: tail24 }));
    expect(old.get('tlsversion')).toBe('TLSv1.2');
    expect([old.get('accesspointarn'), old.get('aclrequired'), old.get('sourceregion')]).toEqual([
      null,
      null,
      null,
    ]);
    expect(
      parsed(line({ tail: `${tail24} arn:aws:s3:us-east-1:123456789012:accesspoint/ap` })).get(
        'accesspointarn',
      ),
    ).toBe('arn:aws:s3:us-east-1:123456789012:accesspoint/ap');
    expect(parsed(line({ tail: `${tail24} - Yes` })).get('aclrequired')).toBe('Yes');
    // A value AWS may add one day: a word, not that word, or every new line would be an error.
    expect(parsed(line({ tail: `${tail24} - No us-east-1` })).get('aclrequired')).toBe('No');
    const future = parsed(line({ tail: `${TLS_TAIL} - futurefield` }));
    expect(future.get('sourceregion')).toBe('us-east-1');
    expect(future.get('additionalfields')).toEqual(['-', 'futurefield']);
    expect(future.toJSON().additionalfields).toEqual(['-', 'futurefield']);
  });

  it('reports IPv6 addresses and skips values that are not addresses', () => {
    expect(parsed(line({ ip: '2001:db8::1' })).get('p_any_ip_addresses')).toEqual(['2001:db8::1']);
    expect(parsed(line({ ip: '-' })).get('p_any_ip_addresses')).toEqual([]);
    expect(parsed(line({ ip: '999.1.1.1' })).get('p_any_ip_addresses')).toEqual([]);
  });

  it('collects account ids from requester and access point ARNs, each once', () => {
    const record = parsed(
      line({
        requester: 'arn:aws:sts::123456789012:assumed-role/Role/session',
        tail: TLS_TAIL.replace(/TLSv1\.2 - -/, 'TLSv1.2 arn:aws:s3:us-east-1:123456789012:accesspoint/ap -'),
      }),
    );
    expect(record.get('p_any_aws_arns')).toHaveLength(2);
    expect(record.get('p_any_aws_account_ids')).toEqual(['123456789012']);
  });

  it('gives every record its own row id', () => {
    const ids = new Set(AWS_DOC_LINES.map((text) => parsed(text).get('p_row_id')));
    expect(ids.size).toBe(AWS_DOC_LINES.length);
  });
});

describe('lines that are not access log lines', () => {
  it.each([
    ['empty', ''],
    ['a word', 'hello'],
    ['JSON', '{"Records":[{"eventSource":"aws:s3"}]}'],
    ['a truncated line', AWS_DOC_LINES[0]!.slice(0, 120)],
    ['a line cut inside the quotes', AWS_DOC_LINES[0]!.slice(0, AWS_DOC_LINES[0]!.indexOf('S3Console'))],
    ['a double space', AWS_DOC_LINES[0]!.replace(' 200 ', '  200 ')],
    ['a tail that is not AWS-written', line({ tail: 'a b c d e f g' })],
    // Read as lines with an empty tail, these would be plain HTTP to every rule.
    ['a line that stops after its user agent', line({ tail: '' }).trimEnd()],
    ['a line with fewer than 24 fields', line({ tail: TLS_TAIL.split(' ').slice(0, 6).join(' ') })],
    ['a quoted field after the tail', line({ tail: `${TLS_TAIL} "new"` })],
    ['a trailing space', `${AWS_DOC_LINES[1]!} `],
    ['two trailing spaces', `${AWS_DOC_LINES[1]!}  `],
    ['a non-numeric size', line({ status: 'OK' })],
  ])('%s gives a ParseError that says why', (_name, text) => {
    const error = failed(text);
    expect(error.message).toMatch(/^not an S3 server access log line: /);
    expect(error.source).toEqual({ file: 'test.log', line: 7 });
  });
});

describe('parseAccessLogTime', () => {
  it('agrees with Date.UTC on every day of several years, leap days included', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    for (let ms = Date.UTC(1999, 0, 1); ms < Date.UTC(2031, 0, 1); ms += 86_400_000 + 3_723_000) {
      const d = new Date(ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      const text = `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
      expect(parseAccessLogTime(text, 0)).toBe(ms);
    }
    expect(parseAccessLogTime('29/Feb/2024:00:00:00 +0000', 0)).toBe(Date.UTC(2024, 1, 29));
    expect(parseAccessLogTime('29/Feb/2023:00:00:00 +0000', 0)).toBeNaN();
  });
});
