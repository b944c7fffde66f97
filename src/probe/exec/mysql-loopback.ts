/**
 * A loopback MySQL-protocol server for the undersized-pool `--exec` probe on mysql2 pools (and the
 * preload's tests): mysql2's own server-side protocol implementation (`mysql2.createServer()`), listening
 * on a Unix socket in a private temporary directory (the child that runs the user's code has no network,
 * but reaches a socket file). It accepts any login and answers every text
 * query with an OK packet; a query with `SLEEP(s)` in it is answered after s seconds, like MySQL's
 * `SELECT SLEEP(s)`, so a connection is held for that long. The server counts the sleeping queries it
 * holds at once, exactly (as they arrive and as they are answered), per tag: a `/* bottleneck-probe <tag> *\/`
 * comment in the query. That count is the server's own figure for how many of the pool's connections
 * worked at once, the role pg_stat_activity plays for PostgreSQL.
 *
 * No data, no SQL engine: what it measures is how many connections a client pool opened and kept busy at
 * once, which is what the pool's size decides. The mysql2 package comes from this tool's install (or the
 * project's, when this tool is installed inside it): it is a devDependency and an optional peer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface MysqlLoopback {
  /** The Unix socket (mysql2's `socketPath`). */
  socketPath: string;
  /** For the notes. */
  description: string;
  /** The most sleeping queries with this tag the server held at once (every sleeping query when no tag is given). */
  most(tag?: string): number;
  /** Sleeping queries with this tag the server answered (every one when no tag is given). */
  answered(tag?: string): number;
  /** Connections the server accepted. */
  connections(): number;
  close(): Promise<void>;
}

interface ServerConnection {
  sequenceId: number;
  stream: net.Socket;
  serverHandshake(args: Record<string, unknown>): void;
  writeOk(args?: Record<string, unknown>): void;
  writeError(args: { message: string; code: number }): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

interface MysqlServer {
  listen(...args: unknown[]): unknown;
  close(callback?: () => void): void;
  on(event: 'connection', listener: (connection: ServerConnection) => void): void;
  _server: net.Server;
}

const TAG = /\/\*\s*bottleneck-probe\s+([^*]*?)\s*\*\//;
const SLEEP = /\bSLEEP\s*\(\s*(\d+(?:\.\d+)?)\s*\)/i;
/** The longest a query is held (a typo of `SLEEP(2000)` for 2 s must not hold a probe for half an hour). */
const LONGEST_MS = 30_000;
/** ER_NOT_SUPPORTED_YET. */
const NOT_SUPPORTED = 1235;

async function loadMysql2(): Promise<{ createServer: () => MysqlServer } | { unavailable: string }> {
  try {
    // A variable specifier: mysql2 is optional, and this tool declares only what it calls.
    const specifier = 'mysql2';
    const loaded = (await import(specifier)) as { default?: { createServer?: () => MysqlServer }; createServer?: () => MysqlServer };
    const createServer = loaded.default?.createServer ?? loaded.createServer;
    if (typeof createServer !== 'function') return { unavailable: 'this mysql2 has no createServer()' };
    return { createServer };
  } catch {
    return { unavailable: 'the mysql2 package is not installed (npm install --save-dev mysql2): the probe drives your pool with the real mysql2 client' };
  }
}

function listenOn(server: net.Server, ...args: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    (server.listen as (...a: unknown[]) => void)(...args, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

/** Starts the server; `close()` ends every connection, clears pending answers and removes the socket's directory. */
export async function startMysqlLoopback(): Promise<MysqlLoopback | { unavailable: string }> {
  const mysql = await loadMysql2();
  if ('unavailable' in mysql) return mysql;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-mysql-'));
  const socketPath = path.join(dir, 'mysql.sock');
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const active = new Map<string, number>();
  const most = new Map<string, number>();
  const answered = new Map<string, number>();
  const ALL = '\u0000all';
  let accepted = 0;
  let closed = false;
  const bump = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);

  const onConnection = (connection: ServerConnection) => {
    accepted += 1;
    const id = accepted;
    // A reply opens with sequence 1 after the client's command (sequence 0); the next command starts at 0 again.
    const reply = (write: () => void) => {
      if (closed || connection.stream.destroyed) return;
      connection.sequenceId = 1;
      write();
      connection.sequenceId = 0;
    };
    connection.on('error', () => undefined);
    connection.serverHandshake({
      protocolVersion: 10,
      serverVersion: '8.0.0-bottleneck-probe',
      connectionId: id,
      statusFlags: 2,
      characterSet: 8,
      capabilityFlags: 0xffffff,
      // Any login: the OK packet (sequence 2) is written by mysql2; the first command then starts at 0.
      authCallback: (_login: unknown, done: (error: null) => void) => {
        done(null);
        connection.sequenceId = 0;
      },
    });
    connection.on('query', (query: unknown) => {
      const text = String(query);
      const seconds = SLEEP.exec(text)?.[1];
      if (seconds === undefined) {
        reply(() => connection.writeOk());
        return;
      }
      const tag = TAG.exec(text)?.[1] ?? '';
      const keys = tag ? [ALL, tag] : [ALL];
      for (const key of keys) {
        bump(active, key, 1);
        most.set(key, Math.max(most.get(key) ?? 0, active.get(key) ?? 0));
      }
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          for (const key of keys) {
            bump(active, key, -1);
            bump(answered, key, 1);
          }
          reply(() => connection.writeOk());
        },
        Math.min(LONGEST_MS, Number(seconds) * 1000),
      );
      timers.add(timer);
    });
    // Prepared statements (pool.execute) and the other commands the probe never sends: a clear error.
    for (const event of ['stmt_prepare', 'stmt_execute', 'field_list']) {
      connection.on(event, () => reply(() => connection.writeError({ message: 'the probe\'s loopback MySQL server answers text queries only (use query, not execute)', code: NOT_SUPPORTED })));
    }
    connection.on('ping', () => reply(() => connection.writeOk()));
    connection.on('init_db', () => reply(() => connection.writeOk()));
  };

  const server = mysql.createServer();
  server.on('connection', onConnection);
  server._server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  try {
    await listenOn(server._server, socketPath);
  } catch (error) {
    server._server.close();
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `the loopback MySQL server could not listen: ${error instanceof Error ? error.message : String(error)}` };
  }
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  server._server.unref();
  return {
    socketPath,
    description: `a loopback MySQL-protocol server (mysql2's own server side) started for this probe run on a Unix socket (one server for all its mysql2 pool findings): it answers SELECT SLEEP(s) after s seconds and counts the queries it holds at once; no data, no SQL engine`,
    most: (tag) => most.get(tag ?? ALL) ?? 0,
    answered: (tag) => answered.get(tag ?? ALL) ?? 0,
    connections: () => accepted,
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server._server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
      process.removeListener('exit', onExit);
    },
  };
}
