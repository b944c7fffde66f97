import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';

/**
 * The little git the CLI needs: which files changed for `--changed-since`, and where a file lives in the
 * repository for report links. Runs `git` as a child process with arguments (never a shell string), so a
 * ref name cannot inject anything.
 */

interface GitOutput {
  ok: boolean;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function git(cwd: string, args: string[]): GitOutput {
  const child = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const missing = child.error !== undefined && 'code' in child.error && child.error.code === 'ENOENT';
  return { ok: child.status === 0 && !child.error, stdout: child.stdout ?? '', stderr: (child.stderr ?? '').trim(), missing };
}

function nulSeparated(text: string): string[] {
  return text.split('\0').filter((entry) => entry.length > 0);
}

/**
 * Absolute paths of files changed since `ref`: committed since the merge base of `ref` and HEAD (so
 * commits that landed on `ref` after the branch point are not counted), plus staged, unstaged and
 * untracked (not ignored) files. Deleted files are left out: there is nothing to scan.
 */
export function changedFilesSince(cwd: string, ref: string): Set<string> {
  const inside = git(cwd, ['rev-parse', '--is-inside-work-tree']);
  if (inside.missing) throw new UsageError('--changed-since needs git, and git was not found on PATH');
  if (!inside.ok || inside.stdout.trim() !== 'true') throw new UsageError(`--changed-since needs a git repository, and ${cwd} is not inside one`);
  if (ref.startsWith('-')) throw new UsageError(`Unknown git ref "${ref}" for --changed-since`);
  const resolved = git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (!resolved.ok) throw new UsageError(`Unknown git ref "${ref}" for --changed-since (fetch it first, e.g. git fetch origin ${ref})`);
  const commit = resolved.stdout.trim();
  const mergeBase = git(cwd, ['merge-base', commit, 'HEAD']);
  // Unrelated histories have no merge base: compare with the ref itself.
  const base = mergeBase.ok ? mergeBase.stdout.trim() : commit;
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new UsageError(`Cannot find the top of the git repository: ${top.stderr}`);
  const root = top.stdout.trim();
  const diff = git(cwd, ['diff', '--name-only', '-z', '--no-renames', '--diff-filter=d', base, '--']);
  if (!diff.ok) throw new UsageError(`git diff against ${ref} failed: ${diff.stderr}`);
  const untracked = git(cwd, ['ls-files', '-z', '--others', '--exclude-standard', '--full-name', '--', ':/']);
  const files = new Set<string>();
  // git prints the real path of the top level; scanned paths are built from cwd as given, which may go
  // through a symbolic link (macOS /tmp -> /private/tmp): map each file back under cwd.
  const realCwd = realpathSync(cwd);
  // `git diff` names files relative to the repository root; keep those that still exist.
  for (const name of [...nulSeparated(diff.stdout), ...(untracked.ok ? nulSeparated(untracked.stdout) : [])]) {
    const absolute = path.resolve(root, name);
    if (existsSync(absolute)) files.add(path.resolve(cwd, path.relative(realCwd, absolute)));
  }
  return files;
}

/** Where `cwd` sits in its repository and which commit is checked out, for links in reports. */
export function repositoryPosition(cwd: string): { prefix: string; commit?: string } | undefined {
  const prefix = git(cwd, ['rev-parse', '--show-prefix']);
  if (!prefix.ok) return undefined;
  const head = git(cwd, ['rev-parse', 'HEAD']);
  return { prefix: prefix.stdout.trim(), ...(head.ok ? { commit: head.stdout.trim() } : {}) };
}
