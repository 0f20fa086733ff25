/**
 * Timeouts for the AWS clients. Without them a call to an endpoint that accepts a connection and
 * never answers (a private subnet without the VPC endpoint, a stuck proxy) waits forever: start-up
 * hangs while /healthz says ok, and a stalled call at shutdown outlives the grace period.
 *
 * `requestTimeout` is how long the socket may stay silent, not the length of the whole call: SQS
 * long polls (20 s at most) fit under it.
 */
export const AWS_API_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 30_000 } as const;

/**
 * S3 bodies are streamed, and reading pauses while deliveries pile up behind a slow sink: only the
 * connection gets a timeout, so a pause never fails a read.
 */
export const AWS_STREAM_TIMEOUTS = { connectionTimeout: 5_000 } as const;
