import http from 'node:http';
import { closePool, report } from './db.mjs';
import { saveDraft } from './drafts.mjs';
import { stockLevel } from './legacy.mjs';
import { orderPage } from './orders.mjs';
import { quote } from './quotes.mjs';
import { search } from './search.mjs';

/** A draft document of a few kilobytes, as an editor would autosave it. */
function draftOf(id) {
  return { id, title: `Draft ${id}`, paragraphs: Array.from({ length: 40 }, (_, i) => `Paragraph ${i} of draft ${id}: the quick brown fox jumps over the lazy dog.`) };
}

/** Each route calls one piece of the service; the answer is its JSON. */
async function handle(route, id) {
  switch (route) {
    case '/orders':
      return orderPage(id);
    case '/quote':
      return quote(id);
    case '/stock':
      return stockLevel(id);
    case '/report':
      return report(id);
    case '/search':
      return search(`term-${id}`);
    case '/draft':
      return { bytes: saveDraft(id, draftOf(id)) };
    default:
      return undefined;
  }
}

const server = http.createServer(async (req, res) => {
  const [, route = '', id = '0'] = /^(\/[a-z]+)\/?(\w*)/.exec(req.url ?? '/') ?? [];
  try {
    const body = await handle(route, id);
    res.statusCode = body === undefined ? 404 : 200;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(body ?? { error: 'no such route' }));
  } catch (error) {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: String(error) }));
  }
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

function stop() {
  server.close();
  server.closeAllConnections();
  closePool().finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
