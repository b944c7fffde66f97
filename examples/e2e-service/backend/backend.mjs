// The service's dependencies, on loopback, in their own process (started by scripts/e2e-example.mjs):
// an HTTP API that answers after `?ms=` milliseconds, a legacy endpoint that closes every connection, and a
// line-protocol "database" that answers each query after 10 ms. Not part of the scanned service.
import http from 'node:http';
import net from 'node:net';

const api = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://backend');
  const ms = Number(url.searchParams.get('ms') ?? 0);
  const legacy = url.pathname.startsWith('/legacy');
  setTimeout(() => {
    // The legacy endpoint ends every connection after its answer, whatever the client asked for.
    if (legacy) res.setHeader('Connection', 'close');
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ path: url.pathname, at: Date.now() }));
  }, ms);
});
api.keepAliveTimeout = 60_000;

const db = net.createServer((socket) => {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const query = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      setTimeout(() => socket.write(`${JSON.stringify({ rows: [query.length] })}\n`), 10);
    }
  });
  socket.on('error', () => {});
});

api.listen(0, '127.0.0.1', () => {
  db.listen(0, '127.0.0.1', () => {
    const ports = { api: api.address().port, db: db.address().port };
    process.stdout.write(`${JSON.stringify(ports)}\n`);
  });
});
process.on('SIGTERM', () => process.exit(0));
