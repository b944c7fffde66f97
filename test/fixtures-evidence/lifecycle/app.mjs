import http from 'node:http';
import genericPool from 'generic-pool';

// Encodes a token "compactly": base64 only makes it longer.
export function compressToken(text) {
  return Buffer.from(text, 'utf8').toString('base64');
}

const workers = genericPool.createPool({ create: async () => ({}), destroy: async () => {} }, { max: 1 });

if (process.env.OWN_SIGINT) {
  process.on('SIGINT', () => {
    console.error('own handler');
    process.exit(7);
  });
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/quit') {
    res.end('bye');
    server.close();
    return;
  }
  // One worker, three borrowers: the second waits with nobody ahead of it, the third behind the second.
  const first = await workers.acquire();
  const second = workers.acquire();
  const third = workers.acquire();
  await workers.release(first);
  await workers.release(await second);
  await workers.release(await third);
  res.end(compressToken(`token-${req.url}`));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
