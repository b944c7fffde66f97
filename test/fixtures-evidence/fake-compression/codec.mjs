import http from 'node:http';

const sessions = new Map();

// Stores a session "compressed": base64 makes it a third larger.
export function compressSession(text) {
  return Buffer.from(text, 'utf8').toString('base64');
}

const server = http.createServer((req, res) => {
  const text = JSON.stringify({ user: 'ada', roles: ['admin', 'editor'], pad: 'x'.repeat(200) });
  sessions.set(sessions.size % 100, compressSession(text));
  res.end('stored');
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
