import http from 'node:http';
import zlib from 'node:zlib';

const sessions = new Map();

// Stores a session compressed with gzip.
export function compressSession(text) {
  return zlib.gzipSync(Buffer.from(text, 'utf8')).toString('base64');
}

const server = http.createServer((req, res) => {
  const text = JSON.stringify({ user: 'ada', roles: ['admin', 'editor'], pad: 'x'.repeat(200) });
  sessions.set(sessions.size % 100, compressSession(text));
  res.end('stored');
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
