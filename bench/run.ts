/**
 * `npm run bench [-- --lines N | --file PATH] [--cases name,name]`
 *
 * Generates realistic data into bench/data/ (git-ignored; reused on later runs) unless a file is
 * given, then runs every registered case over it in this one process and prints lines/s, MB/s and
 * peak RSS. The naive baseline runs in the same process on the same data, so the comparison holds
 * on any machine. JavaScript runs on one core; only file reads use libuv's thread pool.
 * `lines/cpu-s` divides by the process's CPU time: steadier than wall time on a shared machine.
 * Options: --no-warmup skips the untimed warm-up pass; --rounds N (default 3) runs every case N
 * times, interleaved, and reports the best run of each.
 *
 * `npm run bench -- --scan [--runs 3] [--no-build]` instead times whole processes: the built
 * `s3-sentinel scan` against bench/baseline-scan.mjs on the same file (see bench/scan.ts).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from './cases/case.js';
import { naiveReadlineRegex } from './cases/naive-readline-regex.js';
import { parse, parseAndMaterialise, parseAndReadTwoFields } from './cases/parse.js';
import { splitLines } from './cases/split-lines.js';
import { endToEndCases } from './cases/e2e.js';
import { naiveInsecureBaseline, parseRulesDedup } from './cases/rules.js';
import { writeAccessLogFile } from './generate.js';
import { runScanComparison } from './scan.js';

// Register a case here: one line each. The first case named 'naive baseline' is the yardstick.
const CASES: BenchCase[] = [
  splitLines,
  parse,
  parseAndReadTwoFields,
  parseAndMaterialise,
  naiveReadlineRegex,
  parseRulesDedup,
  naiveInsecureBaseline,
  ...endToEndCases(), // opt-in: --e2e
];

const BASELINE = naiveReadlineRegex.name;
const DEFAULT_LINES = 1_000_000;
const SEED = 42;
const WARMUP_LINES = 50_000;
const WARMUP_SEED = 7;

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

/** A generated data file in bench/data/ (git-ignored), made on first use and reused after. */
async function dataFile(lines: number, seed: number): Promise<string> {
  const dataDir = join(dirname(fileURLToPath(import.meta.url)), 'data');
  const file = join(dataDir, `generated-${lines}-seed${seed}.log`);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    process.stderr.write(`generating ${lines} lines into ${file}…\n`);
    await writeAccessLogFile(file, { lines }, seed);
  }
  return file;
}

async function inputFile(): Promise<string> {
  return argument('--file') ?? dataFile(Number(argument('--lines') ?? DEFAULT_LINES), SEED);
}

const rssMb = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

const file = await inputFile();

if (process.argv.includes('--scan')) {
  const runs = Number(argument('--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
  await runScanComparison(file, { runs, build: !process.argv.includes('--no-build') });
  process.exit(0); // the in-process cases below are not wanted in this mode
}

const only = argument('--cases')?.split(',');
const cases = only ? CASES.filter((c) => only.includes(c.name)) : CASES;
const fileMb = statSync(file).size / 1e6;
console.log(`input: ${file} (${fileMb.toFixed(1)} MB), node ${process.version}`);
console.log('case                     lines/s      MB/s   seconds  lines/cpu-s  peak RSS MB  notes');

// Warm-up: every case once over a small file, so the JIT has compiled the hot paths before the
// clock runs (the first case would otherwise pay for everyone's compilation).
if (!process.argv.includes('--no-warmup')) {
  const warmup = await dataFile(WARMUP_LINES, WARMUP_SEED);
  for (const benchCase of cases) await benchCase.run(warmup);
}

// Rounds: every case once per round, round after round, and the best run of each is kept. On a
// shared machine one run can be slowed 2x by a neighbour; interleaving lets that hit every case
// alike, and the best of several runs is the one least disturbed.
const rounds = Number(argument('--rounds') ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer');
interface Measured {
  lines: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  note?: string;
}
const best = new Map<string, Measured>();
for (let round = 1; round <= rounds; round++) {
  for (const benchCase of cases) {
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const result = await benchCase.run(file);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const measured = { ...result, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    const previous = best.get(benchCase.name);
    if (!previous || seconds < previous.seconds) best.set(benchCase.name, measured);
  }
}

const rates = new Map<string, number>();
for (const benchCase of cases) {
  const result = best.get(benchCase.name)!;
  const linesPerSecond = result.lines / result.seconds;
  rates.set(benchCase.name, linesPerSecond);
  console.log(
    [
      benchCase.name.padEnd(20),
      Math.round(linesPerSecond).toLocaleString('en-US').padStart(11),
      (result.bytes / 1e6 / result.seconds).toFixed(1).padStart(9),
      result.seconds.toFixed(2).padStart(9),
      Math.round(result.lines / result.cpuSeconds)
        .toLocaleString('en-US')
        .padStart(13),
      rssMb().toFixed(0).padStart(12),
      ` ${result.note ?? ''}`,
    ].join(' '),
  );
}
console.log(`best of ${rounds} interleaved rounds`);

const baseline = rates.get(BASELINE);
const parseRate = rates.get(parse.name);
if (baseline !== undefined && parseRate !== undefined) {
  console.log(
    `parse / naive baseline: ${(parseRate / baseline).toFixed(1)}x (target ≥ 4x); parse ${Math.round(parseRate).toLocaleString('en-US')} lines/s (target ≥ 400,000)`,
  );
}
const rulesRate = rates.get(parseRulesDedup.name);
const rulesBaseline = rates.get(naiveInsecureBaseline.name);
if (rulesRate !== undefined && rulesBaseline !== undefined) {
  console.log(
    `parse+rules+dedup / naive rules baseline: ${(rulesRate / rulesBaseline).toFixed(1)}x (target ≥ 3x); ${Math.round(rulesRate).toLocaleString('en-US')} lines/s (target about 500,000)`,
  );
}
console.log(`peak RSS: ${rssMb().toFixed(0)} MB`);
