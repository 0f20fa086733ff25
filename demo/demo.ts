/**
 * The demo, start to finish: emulator and Slack stand-in up, the real daemon started as a child
 * process, log objects and notifications in, wait for the queue to drain, report, SIGTERM, check
 * the daemon exited 0. Everything started is stopped again, whether the demo passes or fails.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDemoConfig, demoConfigYaml, SLACK_URL_VARIABLE } from './config.js';
import { spawnDaemon, type DaemonProcess } from './daemon-process.js';
import { DEMO_CREDENTIALS, isDrained, startEmulator, type DemoEmulator } from './emulator.js';
import { freePort } from './free-port.js';
import { fetchMetrics, sumOf } from './metrics-text.js';
import { alertsFromStdout, formatAlert, formatSlackPosts, formatSummary, metricsExcerpt } from './report.js';
import { runScenario } from './scenario.js';
import { startSlackReceiver } from './slack-receiver.js';
import { answers200, DemoError, pollUntil } from './wait.js';

export interface DemoOptions {
  /** Where the report goes, one line per call. */
  print: (line: string) => void;
  /** Print the daemon's own log lines at the end. */
  verbose: boolean;
}

const NAMES = { bucket: 'demo-access-logs', queue: 's3-sentinel-demo', dlqMaxReceiveCount: 3 };
const CONCURRENCY = 4;
const READY_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;
const LOG_TAIL_LINES = 25;
const INSECURE_RULE = 'AWS.S3.ServerAccess.Insecure';

export async function runDemo(options: DemoOptions): Promise<void> {
  const { print } = options;
  const cleanups: (() => Promise<unknown>)[] = [];
  let daemon: DaemonProcess | undefined;
  try {
    const emulator = await startEmulator();
    cleanups.push(() => emulator.stop());
    const resources = emulator.createResources(NAMES);
    print(`▸ fauxqs (SQS, S3, SNS, STS emulator) on ${emulator.endpoint}`);
    print(
      `  bucket ${resources.bucket}; queue ${resources.queue.queueName} with DLQ ${resources.dlq.queueName} after ${resources.dlqMaxReceiveCount} receives; two SNS topics subscribed to it (enveloped, raw)`,
    );

    const slack = await startSlackReceiver();
    cleanups.push(() => slack.close());

    const workDir = await mkdtemp(join(tmpdir(), 's3-sentinel-demo-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const configPath = join(workDir, 'config.yaml');
    const serverPort = await freePort();
    const env = daemonEnv(emulator, slack.url);
    const yamlText = demoConfigYaml({
      endpoint: emulator.endpoint,
      region: emulator.region,
      queueUrl: resources.queue.queueUrl,
      serverPort,
      concurrency: CONCURRENCY,
    });
    checkDemoConfig(yamlText, env, configPath);
    await writeFile(configPath, yamlText);

    daemon = spawnDaemon(configPath, env);
    const running = daemon;
    cleanups.push(() => running.stop(5_000));
    print(`▸ starting the daemon: ${running.commandLine}`);
    const daemonGone = () =>
      running.exit
        ? `the daemon exited early (code ${running.exit.code}, signal ${running.exit.signal})`
        : undefined;
    const health = `http://127.0.0.1:${serverPort}`;
    const readySeconds = await pollUntil(() => answers200(`${health}/readyz`), {
      what: `${health}/readyz to answer 200`,
      timeoutMs: READY_TIMEOUT_MS,
      abortReason: daemonGone,
    });
    print(`  ready after ${readySeconds.toFixed(1)} s (/healthz, /readyz, /metrics on ${health})`);

    const uploadsBegan = Date.now();
    const scenario = await runScenario(emulator, resources);
    print(
      `▸ uploaded ${scenario.objects.length} log objects, ${scenario.lines.toLocaleString('en-US')} lines (about 1% plain-HTTP requests), and notified the queue:`,
    );
    for (const delivery of scenario.deliveries) {
      for (const object of delivery.objects) {
        print(
          `  ${delivery.route.padEnd(40)} s3://${resources.bucket}/${object.key}${object.gzip ? ' (gzip)' : ''}`,
        );
      }
    }
    for (const extra of scenario.extraMessages) print(`  ${'and'.padEnd(40)} ${extra}`);

    let objectsDone = 0;
    await pollUntil(
      async () => {
        objectsDone = sumOf((await fetchMetrics(`${health}/metrics`)).samples, 's3_sentinel_objects_total');
        return (
          objectsDone >= scenario.objects.length && isDrained(emulator.queueDepth(resources.queue.queueName))
        );
      },
      {
        what: 'every object to be processed and the queue to drain',
        timeoutMs: DRAIN_TIMEOUT_MS,
        abortReason: daemonGone,
        lastState: () =>
          `${objectsDone} of ${scenario.objects.length} objects processed; queue ${JSON.stringify(emulator.queueDepth(resources.queue.queueName))}`,
      },
    );
    const drainedSeconds = (Date.now() - uploadsBegan) / 1000;
    const metrics = await fetchMetrics(`${health}/metrics`);

    const stopped = await running.stop(STOP_GRACE_MS);
    if (stopped.killed || stopped.exit.code !== 0) {
      throw new DemoError(
        stopped.killed
          ? `the daemon did not exit within ${STOP_GRACE_MS / 1000} s of SIGTERM and was killed`
          : `the daemon exited with code ${stopped.exit.code} (signal ${stopped.exit.signal}) after SIGTERM`,
      );
    }

    const alerts = alertsFromStdout(running.stdoutLines);
    print('');
    print(`Alerts (the stdout sink wrote ${alerts.length}):`);
    for (const alert of alerts) for (const line of formatAlert(alert)) print(line);
    print('');
    for (const line of formatSlackPosts(slack.posts, slack.url)) print(line);
    print('');
    for (const line of formatSummary({
      objectsUploaded: scenario.objects.length,
      linesUploaded: scenario.lines,
      alerts,
      slackPosts: slack.posts.length,
      samples: metrics.samples,
      dlqDepth: totalDepth(emulator, resources.dlq.queueName),
      seconds: { ready: readySeconds, drained: drainedSeconds },
    })) {
      print(line);
    }
    print('');
    print(`/metrics excerpt (${health}/metrics):`);
    for (const line of metricsExcerpt(metrics.text)) print(line);
    print('');
    print(`▸ SIGTERM: the daemon stopped and exited 0 in ${stopped.seconds.toFixed(1)} s`);
    if (options.verbose) {
      print('');
      print('Daemon log (stderr):');
      for (const line of running.stderrLines) print(`  ${line}`);
    }

    expectOutcome(
      alerts.some((alert) => alert.ruleId === INSECURE_RULE),
      `no ${INSECURE_RULE} alert on stdout`,
    );
    expectOutcome(slack.posts.length > 0, 'the Slack receiver got no message');
    expectOutcome(slack.rejected.length === 0, `the Slack receiver rejected: ${slack.rejected.join(', ')}`);
  } catch (error) {
    if (error instanceof DemoError && daemon) error.details.push(...logTail(daemon));
    throw error;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * Fake static credentials and the emulator as every AWS endpoint (STS included, which the daemon
 * calls at start to learn its own identity): the child can reach nothing but fauxqs.
 */
function daemonEnv(emulator: DemoEmulator, slackUrl: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEMO_CREDENTIALS.secretAccessKey,
    AWS_REGION: emulator.region,
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    [SLACK_URL_VARIABLE]: slackUrl,
  };
}

function totalDepth(emulator: DemoEmulator, queueName: string): number {
  const depth = emulator.queueDepth(queueName);
  return depth.ready + depth.delayed + depth.inFlight;
}

function expectOutcome(ok: boolean, failure: string): void {
  if (!ok) throw new DemoError(`the demo did not show what it should: ${failure}`);
}

function logTail(daemon: DaemonProcess): string[] {
  const tail = daemon.stderrLines.slice(-LOG_TAIL_LINES);
  return tail.length === 0 ? ['(the daemon wrote nothing to stderr)'] : ['last daemon log lines:', ...tail];
}
