import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The metric catalogue, in one place so names stay consistent and a test can check them against
 * the docs. Every stage receives this object; none creates metrics of its own. One instance per
 * process (or per test), each with its own registry, so tests never collide on names.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 's3_sentinel_' });
  const r = [registry];
  return {
    registry,
    // ingest: SQS
    messagesReceived: new Counter({
      name: 's3_sentinel_sqs_messages_received_total',
      help: 'SQS messages received',
      registers: r,
    }),
    messagesDeleted: new Counter({
      name: 's3_sentinel_sqs_messages_deleted_total',
      help: 'SQS messages deleted after their work was done',
      registers: r,
    }),
    messagesReturned: new Counter({
      name: 's3_sentinel_sqs_messages_returned_total',
      help: 'SQS messages handed back (visibility 0) or left to reappear',
      labelNames: ['reason'],
      registers: r,
    }),
    messagesPoison: new Counter({
      name: 's3_sentinel_sqs_messages_poison_total',
      help: 'SQS messages that could not be used, by reason',
      labelNames: ['reason'],
      registers: r,
    }),
    notificationsIgnored: new Counter({
      name: 's3_sentinel_notifications_ignored_total',
      help: 'Notification records skipped (test events, non-create events, filtered keys or buckets)',
      labelNames: ['reason'],
      registers: r,
    }),
    visibilityExtensions: new Counter({
      name: 's3_sentinel_sqs_visibility_extensions_total',
      help: 'ChangeMessageVisibility calls made to keep in-flight messages hidden',
      registers: r,
    }),
    messagesInFlight: new Gauge({
      name: 's3_sentinel_sqs_messages_in_flight',
      help: 'SQS messages being worked on',
      registers: r,
    }),
    sqsErrors: new Counter({
      name: 's3_sentinel_sqs_errors_total',
      help: 'SQS API errors by operation',
      labelNames: ['operation'],
      registers: r,
    }),
    // ingest: S3 objects and lines
    objects: new Counter({
      name: 's3_sentinel_objects_total',
      help: 'Log objects processed, by outcome',
      labelNames: ['outcome'],
      registers: r,
    }),
    s3Errors: new Counter({
      name: 's3_sentinel_s3_errors_total',
      help: 'S3 GetObject/ListObjects errors by code',
      labelNames: ['code'],
      registers: r,
    }),
    bytes: new Counter({
      name: 's3_sentinel_bytes_total',
      help: 'Log bytes read (after decompression)',
      registers: r,
    }),
    lines: new Counter({ name: 's3_sentinel_lines_total', help: 'Log lines read', registers: r }),
    parseErrors: new Counter({
      name: 's3_sentinel_parse_errors_total',
      help: 'Lines that did not parse',
      registers: r,
    }),
    // detect and dedup
    ruleErrors: new Counter({
      name: 's3_sentinel_rule_errors_total',
      help: 'Exceptions thrown by rules',
      labelNames: ['rule'],
      registers: r,
    }),
    ruleMatches: new Counter({
      name: 's3_sentinel_rule_matches_total',
      help: 'Events a rule matched',
      labelNames: ['rule'],
      registers: r,
    }),
    alertsEmitted: new Counter({
      name: 's3_sentinel_alerts_emitted_total',
      help: 'Alerts opened',
      labelNames: ['rule', 'severity'],
      registers: r,
    }),
    alertsSuppressed: new Counter({
      name: 's3_sentinel_alerts_suppressed_total',
      help: 'Matches folded into an open alert or held below threshold',
      labelNames: ['rule'],
      registers: r,
    }),
    // deliver
    deliveries: new Counter({
      name: 's3_sentinel_deliveries_total',
      help: 'Delivery attempts by sink, outcome and HTTP status class',
      labelNames: ['sink', 'outcome', 'status_class'],
      registers: r,
    }),
    deliveryRetries: new Counter({
      name: 's3_sentinel_delivery_retries_total',
      help: 'Delivery retries by sink',
      labelNames: ['sink'],
      registers: r,
    }),
    sinkQueueDepth: new Gauge({
      name: 's3_sentinel_sink_queue_depth',
      help: 'Alerts waiting for a sink',
      labelNames: ['sink'],
      registers: r,
    }),
    // latency and lag
    objectSeconds: new Histogram({
      name: 's3_sentinel_object_processing_seconds',
      help: 'Time from GetObject to all alerts settled, per object',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: r,
    }),
    eventLagSeconds: new Gauge({
      name: 's3_sentinel_event_lag_seconds',
      help: 'now - newest log event time seen in the last object',
      registers: r,
    }),
    // A timestamp, not a lag: `time() - this` keeps growing when logs stop coming, where a lag
    // gauge set per object would freeze at its last value.
    newestEventTimestamp: new Gauge({
      name: 's3_sentinel_newest_event_timestamp_seconds',
      help: 'event time of the newest log line read so far (epoch seconds)',
      registers: r,
    }),
    notificationLagSeconds: new Gauge({
      name: 's3_sentinel_notification_lag_seconds',
      help: 'now - notification event time of the last message',
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
