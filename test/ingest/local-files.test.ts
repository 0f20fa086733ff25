import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forEachLine } from '../../src/ingest/decode.js';
import { LocalInputError, listLocalInputs, READ_CHUNK_BYTES } from '../../src/ingest/local-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function names(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const input of listLocalInputs(paths)) found.push(input.name);
  return found;
}

describe('listLocalInputs', () => {
  it('lists files, directories recursively in sorted order, and - as stdin, in the order given', async () => {
    await mkdir(join(dir, 'logs', 'b'), { recursive: true });
    await writeFile(join(dir, 'logs', 'z.log'), 'z');
    await writeFile(join(dir, 'logs', 'a.log'), 'a');
    await writeFile(join(dir, 'logs', 'b', 'inner'), 'i');
    await writeFile(join(dir, 'single'), 's');
    expect(await names([join(dir, 'single'), '-', join(dir, 'logs')])).toEqual([
      join(dir, 'single'),
      '-',
      join(dir, 'logs', 'a.log'),
      join(dir, 'logs', 'b', 'inner'),
      join(dir, 'logs', 'z.log'),
    ]);
  });

  it('opens a file as a stream of its bytes', async () => {
    await writeFile(join(dir, 'f'), 'content');
    for await (const input of listLocalInputs([join(dir, 'f')])) {
      const parts: Buffer[] = [];
      for await (const chunk of input.open()) parts.push(Buffer.from(chunk as Buffer));
      expect(Buffer.concat(parts).toString()).toBe('content');
    }
  });

  // Chunks share one read buffer: lines cut by a chunk edge, and gzip (which queues its input),
  // must still come out whole. Random lines of varied length put the edges mid-line, and random
  // text keeps the gzip'd file bigger than one read.
  it.each([
    ['plain', (bytes: Buffer) => bytes],
    ['gzip', (bytes: Buffer) => gzipSync(bytes)],
  ])('reads a %s file of several reads back line for line', async (_kind, encode) => {
    const lines = Array.from({ length: 50_000 }, (_, i) => randomBytes(20 + (i % 57)).toString('base64'));
    const file = join(dir, 'big');
    const bytes = encode(Buffer.from(lines.join('\n') + '\n'));
    expect(bytes.length).toBeGreaterThan(2 * READ_CHUNK_BYTES);
    await writeFile(file, bytes);
    const seen: string[] = [];
    for await (const input of listLocalInputs([file])) {
      await forEachLine(input.open(), { line: (text) => seen.push(text), tooLong: () => undefined });
    }
    expect(seen).toEqual(lines);
  });

  it('fails before yielding anything when a path is missing, naming it', async () => {
    await writeFile(join(dir, 'f'), 'content');
    const missing = join(dir, 'missing.log');
    const found: string[] = [];
    const run = async () => {
      for await (const input of listLocalInputs([join(dir, 'f'), missing])) found.push(input.name);
    };
    await expect(run()).rejects.toThrow(LocalInputError);
    await expect(run()).rejects.toThrow(`${missing}: no such file or directory`);
    expect(found).toEqual([]);
  });

  it('survives a symlink loop and skips dangling links', async () => {
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'd', 'f'), 'x');
    await symlink(join(dir, 'd'), join(dir, 'd', 'loop'));
    await symlink(join(dir, 'nowhere'), join(dir, 'd', 'dangling'));
    expect(await names([join(dir, 'd')])).toEqual([join(dir, 'd', 'f')]);
  });
});
