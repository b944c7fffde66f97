import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * File access for paths the tool does not control (the scanned tree, the cache, report targets). A FIFO
 * opened for reading blocks until a writer appears, so a FIFO named `.gitignore` would hang a scan: files
 * are opened non-blocking and without following a link, and read only when `fstat` says they are regular.
 */

// O_NOFOLLOW and O_NONBLOCK do not exist on Windows, where neither links nor FIFOs can be planted this way.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** What a path that is not a regular file is, for the `skipped` list: `FIFO`, `socket`, `device`, `directory`. */
export function specialKind(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  if (stats.isSymbolicLink()) return 'symbolic link';
  if (stats.isDirectory()) return 'directory';
  return 'special file';
}

/** The reason a special file was not read, as the `skipped` list states it. */
export function notRegularReason(kind: string): string {
  return kind === 'symbolic link' ? 'symbolic link (links are never followed)' : `not a regular file (${kind}): never opened for reading`;
}

export type OpenOutcome = { fd: number; stats: Stats } | { notRegular: string } | { missing: true };

/**
 * Opens a regular file for reading without following a link at the last component and without blocking on
 * a FIFO. `notRegular` names what was there instead; a missing file is `missing`; other errors (EACCES) throw.
 */
export function openRegular(file: string): OpenOutcome {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
    // O_NOFOLLOW on a link fails with ELOOP (Linux) or EMLINK (FreeBSD).
    if (code === 'ELOOP' || code === 'EMLINK') return { notRegular: 'symbolic link' };
    // A device that refuses to open (ENXIO: a FIFO without a reader opened for writing; not reached for reading).
    if (code === 'ENXIO') return { notRegular: 'device' };
    throw error;
  }
  const stats = fstatSync(fd);
  const kind = specialKind(stats);
  if (kind !== undefined) {
    closeSync(fd);
    return { notRegular: kind };
  }
  return { fd, stats };
}

export type ReadOutcome = { text: string; owner: number } | { notRegular: string } | { missing: true } | { tooLarge: number };

/** Reads a small regular file as UTF-8 (`.gitignore`, `package.json`, `.nvmrc`, the cache), never a FIFO or link. */
export function readRegularFile(file: string, maxBytes = 64 * 1024 * 1024): ReadOutcome {
  const opened = openRegular(file);
  if (!('fd' in opened)) return opened;
  try {
    if (opened.stats.size > maxBytes) return { tooLarge: opened.stats.size };
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const read = readSync(opened.fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      if (total > maxBytes) return { tooLarge: total };
      chunks.push(Buffer.from(chunk.subarray(0, read)));
    }
    return { text: Buffer.concat(chunks, total).toString('utf8'), owner: opened.stats.uid };
  } finally {
    closeSync(opened.fd);
  }
}

/**
 * Writes a file the user named (`--output`): a device or FIFO there (`/dev/null`, `/dev/stdout`, a named pipe)
 * is written to in place, since renaming a file over it would replace the device for every other program (as
 * root, `/dev/null` would become a regular file); anything else goes through writeFileAtomic.
 */
export function writeUserFile(target: string, data: string | Buffer): void {
  let special = false;
  try {
    const stats = lstatSync(target);
    special = stats.isCharacterDevice() || stats.isBlockDevice() || stats.isFIFO();
  } catch {
    // not there yet: a new regular file
  }
  if (!special) return writeFileAtomic(target, data);
  const fd = openSync(target, constants.O_WRONLY | O_NOFOLLOW);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to a new file beside `target` and renames it over `target`, so a reader never sees half a
 * file and a failed write (full disk) leaves the previous file as it was. The temporary name is random and
 * created exclusively (`O_EXCL` fails on any existing path, a planted link included), and `rename` replaces
 * a link at `target` instead of writing through it.
 */
export function writeFileAtomic(target: string, data: string | Buffer, mode = 0o666): void {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, mode);
  let renamed = false;
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    // Some file systems report a full disk only when the data is flushed.
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, target);
    renamed = true;
  } finally {
    if (!renamed) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(temporary, { force: true });
    }
  }
}
