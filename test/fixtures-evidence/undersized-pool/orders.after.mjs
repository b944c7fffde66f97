import http from 'node:http';
import { EventEmitter } from 'node:events';
import Pool from 'pg-pool';

// A stand-in for pg.Client: connects and answers without a database, so the pool's own queueing is what runs.
class LoopbackClient extends EventEmitter {
  connect(callback) {
    setImmediate(() => callback(null));
  }
  query(text, values, callback) {
    setImmediate(() => callback(null, { rows: [] }));
  }
  end(callback) {
    if (callback) setImmediate(callback);
  }
}

const pool = new Pool({ Client: LoopbackClient, max: 3 });

async function loadOrder(id) {
  const client = await pool.connect();
  try {
    await new Promise((resolve) => setImmediate(resolve));
    return { id };
  } finally {
    client.release();
  }
}

const server = http.createServer(async (req, res) => {
  const orders = await Promise.all([1, 2, 3].map((id) => loadOrder(id)));
  res.end(JSON.stringify(orders));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
