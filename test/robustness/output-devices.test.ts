import { spawnSync } from 'node:child_process';
import { closeSync, constants, lstatSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeUserFile } from '../../src/safe-fs.js';

/**
 * `--output` naming a device or a FIFO (`-o /dev/null`, a named pipe a CI step reads) is written in place: a
 * temporary file renamed over it would replace the device itself (as root, `/dev/null` became a regular file).
 */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fifoIn(): { dir: string; fifo: string } | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-fifo-'));
  dirs.push(dir);
  const fifo = path.join(dir, 'report.pipe');
  return spawnSync('mkfifo', [fifo]).status === 0 ? { dir, fifo } : undefined;
}

describe('writeUserFile', () => {
  it('writes into a FIFO in place: the path stays a FIFO and its reader gets the bytes', () => {
    const made = fifoIn();
    if (!made) return; // no mkfifo here (Windows)
    // A reader opened without blocking first, so the writer's open does not wait for one.
    const reader = openSync(made.fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      writeUserFile(made.fifo, 'report text\n');
      expect(lstatSync(made.fifo).isFIFO()).toBe(true);
      const buffer = Buffer.alloc(64);
      const read = readSync(reader, buffer, 0, buffer.length, null);
      expect(buffer.subarray(0, read).toString()).toBe('report text\n');
    } finally {
      closeSync(reader);
    }
  });

  it('replaces a regular file whole and leaves no temporary file beside it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-out-'));
    dirs.push(dir);
    const file = path.join(dir, 'report.json');
    writeFileSync(file, 'old');
    writeUserFile(file, 'new');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(spawnSync('ls', ['-a', dir]).stdout.toString().split('\n').filter((n) => n && n !== '.' && n !== '..')).toEqual(['report.json']);
  });

});
