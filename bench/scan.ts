/**
 * Whole-process comparison: `node dist/cli.js scan FILE > /dev/null` against the standalone
 * baseline `node bench/baseline-scan.mjs FILE > /dev/null`, each a fresh process timed from spawn
 * to exit, so start-up (module loading, rule compilation) counts as a user would feel it.
 * Two floors are timed beside them: `scan` of an empty file (start-up alone) and
 * bench/floor-split.mjs (the CLI's reader and splitter, no parse) — what no parser can save.
 *
 *   npm run bench -- --scan [--lines N | --file PATH] [--runs 3] [--no-build]
 *
 * Builds first (`npm run build`) unless --no-build. Each command runs `--runs` times, alternating,
 * and the best run of each is reported: seconds, lines/s, CPU seconds (user + system of the child,
 * all its threads) and lines per CPU-second, which moves less with the load of a shared machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Preloaded into each child: writes its resource usage (CPU time, peak RSS) when it exits. */
const USAGE_HOOK = join(ROOT, 'bench', 'child-usage.mjs');

interface ProcessRun {
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  exitCode: number | null;
  summary: string;
}

interface Contender {
  name: string;
  args: string[];
  /** Reads no lines (a start-up floor): no per-line figures. */
  noLines?: boolean;
}

/** Runs `node args…` with stdout to /dev/null; the last stderr line is its summary. */
async function timeProcess(args: string[]): Promise<ProcessRun> {
  const dir = mkdtempSync(join(tmpdir(), 'scan-bench-'));
  const usageFile = join(dir, 'usage.json');
  const devNull = openSync('/dev/null', 'w');
  try {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', USAGE_HOOK, ...args], {
      cwd: ROOT,
      stdio: ['ignore', devNull, 'pipe'],
      env: { ...process.env, BENCH_USAGE_FILE: usageFile },
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as NodeJS.ResourceUsage;
    return {
      seconds,
      cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      maxRssMb: usage.maxRSS / 1024,
      exitCode,
      summary: stderr.trim().split('\n').at(-1) ?? '',
    };
  } finally {
    closeSync(devNull);
    rmSync(dir, { recursive: true, force: true });
  }
}

function countLines(file: string): number {
  // Counted once here rather than trusted from either contender's own summary.
  const result = spawnSync('wc', ['-l', file], { encoding: 'utf8' });
  const count = Number.parseInt(result.stdout, 10);
  if (!Number.isInteger(count)) throw new Error(`could not count the lines of ${file}`);
  return count;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');

export async function runScanComparison(
  file: string,
  options: { runs: number; build: boolean },
): Promise<void> {
  if (options.build) {
    process.stderr.write('building (npm run build)…\n');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0)
      throw new Error('npm run build failed; fix it or pass --no-build to time the existing dist/');
  }
  const lines = countLines(file);
  const floorDir = mkdtempSync(join(tmpdir(), 'scan-floor-'));
  const emptyFile = join(floorDir, 'empty.log');
  writeFileSync(emptyFile, '');
  const contenders: Contender[] = [
    { name: 's3-sentinel scan', args: ['dist/cli.js', 'scan', file] },
    { name: 'baseline-scan.mjs', args: ['bench/baseline-scan.mjs', file] },
    { name: 'floor: node', args: ['-e', ''], noLines: true },
    { name: 'floor: start-up', args: ['dist/cli.js', 'scan', emptyFile], noLines: true },
    { name: 'floor: read+split', args: ['bench/floor-split.mjs', file] },
  ];
  try {
    await timeContenders(file, lines, contenders, options.runs);
  } finally {
    rmSync(floorDir, { recursive: true, force: true });
  }
}

async function timeContenders(
  file: string,
  lines: number,
  contenders: Contender[],
  runs: number,
): Promise<void> {
  const best = new Map<string, ProcessRun>();
  for (let run = 1; run <= runs; run++) {
    for (const contender of contenders) {
      const result = await timeProcess(contender.args);
      process.stderr.write(
        `  run ${run} ${contender.name}: ${result.seconds.toFixed(2)} s — ${result.summary}\n`,
      );
      if (result.exitCode !== 0)
        throw new Error(`${contender.name} exited with ${result.exitCode}: ${result.summary}`);
      const previous = best.get(contender.name);
      if (!previous || result.seconds < previous.seconds) best.set(contender.name, result);
    }
  }
  console.log(`whole process over ${file} (${n(lines)} lines), best of ${runs}, node ${process.version}`);
  console.log('command                 seconds      lines/s  CPU seconds  lines/cpu-s  peak RSS MB');
  for (const contender of contenders) {
    const r = best.get(contender.name)!;
    console.log(
      [
        contender.name.padEnd(20),
        r.seconds.toFixed(2).padStart(10),
        (contender.noLines ? '-' : n(lines / r.seconds)).padStart(12),
        r.cpuSeconds.toFixed(2).padStart(12),
        (contender.noLines ? '-' : n(lines / r.cpuSeconds)).padStart(12),
        r.maxRssMb.toFixed(0).padStart(12),
      ].join(' '),
    );
  }
  const scan = best.get('s3-sentinel scan')!;
  const baseline = best.get('baseline-scan.mjs')!;
  const node = best.get('floor: node')!;
  const startUp = best.get('floor: start-up')!;
  const split = best.get('floor: read+split')!;
  console.log(
    `scan / baseline: ${(baseline.seconds / scan.seconds).toFixed(1)}x wall, ${(baseline.cpuSeconds / scan.cpuSeconds).toFixed(1)}x CPU (target ≥ 3x)`,
  );
  // Start-up plus reading and splitting, with node's own start counted once (both floors pay it).
  const floor = startUp.seconds + split.seconds - node.seconds;
  console.log(
    `3x needs scan ≤ ${(baseline.seconds / 3).toFixed(2)} s; start-up + read+split alone take ≈ ${floor.toFixed(2)} s, ` +
      `leaving ${(baseline.seconds / 3 - floor).toFixed(2)} s for parse, rules, dedup and output of ${n(lines)} lines`,
  );
}
