/**
 * Preloaded (`node --import`) into the processes bench/scan.ts times: on exit, writes the
 * process's resource usage (CPU time of all its threads, peak RSS) to $BENCH_USAGE_FILE, which a
 * parent cannot read for its children from Node.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_USAGE_FILE;
if (target) process.on('exit', () => writeFileSync(target, JSON.stringify(process.resourceUsage())));
