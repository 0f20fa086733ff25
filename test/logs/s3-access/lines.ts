/**
 * Real lines: the first five are the examples of the AWS documentation ("Amazon S3 server access
 * log format"); the others reproduce the hazards of domain notes §1 on the same shape.
 */
export const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const HOST_ID = 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=';
const HEAD = `${OWNER} amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ${OWNER}`;

export const AWS_DOC_LINES = [
  `${HEAD} 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - ${HOST_ID} SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1`,
  `${HEAD} 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /amzn-s3-demo-bucket1?logging HTTP/1.1" 200 - 242 - 11 - "-" "S3Console/0.4" - 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - - us-east-1`,
  `${HEAD} A1206F460EXAMPLE REST.GET.BUCKETPOLICY - "GET /amzn-s3-demo-bucket1?policy HTTP/1.1" 404 NoSuchBucketPolicy 297 - 38 - "-" "S3Console/0.4" - BNaBsXZQQDbssi6xMBdBU2sLt+Yf5kZDmeBUP35sFoKa3sLLeMC78iwEIWxs99CRUrbS4n11234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - Yes us-east-1`,
  `${HEAD} 7B4A0FABBEXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 33 - "-" "S3Console/0.4" - Ke1bUcazaN1jWuUlPJaxF64cQVpUEhoZKEG/hmy/gijN/I1DeWqDfFvnpybfEseEME/u7ME1234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - - us-east-1`,
  `${HEAD} DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf "PUT /amzn-s3-demo-bucket1/s3-dg.pdf HTTP/1.1" 200 - - 4406583 41754 28 "-" "S3Console/0.4" - 10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234= SigV4 ECDHE-RSA-AES128-SHA AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - Yes us-east-1`,
];

/** Builds a line of the documentation's shape with chosen parts. */
export function line(parts: {
  requester?: string;
  operation?: string;
  key?: string;
  requestUri?: string;
  status?: string;
  referrer?: string;
  userAgent?: string;
  tail?: string;
  time?: string;
  ip?: string;
}): string {
  return [
    OWNER,
    'amzn-s3-demo-bucket1',
    parts.time ?? '[06/Feb/2019:00:00:38 +0000]',
    parts.ip ?? '192.0.2.3',
    parts.requester ?? OWNER,
    '3E57427F3EXAMPLE',
    parts.operation ?? 'REST.GET.OBJECT',
    parts.key ?? 'a.txt',
    parts.requestUri ?? '"GET /amzn-s3-demo-bucket1/a.txt HTTP/1.1"',
    parts.status ?? '200',
    '-',
    '113',
    '113',
    '7',
    '3',
    parts.referrer ?? '"-"',
    parts.userAgent ?? '"S3Console/0.4"',
    parts.tail ?? TLS_TAIL,
  ].join(' ');
}

export const TLS_TAIL = `- ${HOST_ID} SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSv1.2 - - us-east-1`;
export const PLAIN_HTTP_TAIL = `- ${HOST_ID} SigV4 - AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com - - - us-east-1`;
/** A user agent that imitates the fixed fields of a TLS request. */
export const FORGED_TLS_USER_AGENT = 'x" SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader h TLSv1.2 - -';
export const OAI_REQUESTER = 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLEID';
