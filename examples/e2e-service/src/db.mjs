import net from 'node:net';
import genericPool from 'generic-pool';

const DB_PORT = Number(process.env.DB_PORT ?? 5433);

/** One connection to the line-protocol database: a query is a line out, its answer a line back. */
function connect() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(DB_PORT, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    socket.setEncoding('utf8');
  });
}

function ask(socket, sql) {
  return new Promise((resolve) => {
    socket.once('data', (line) => resolve(JSON.parse(line)));
    socket.write(`${sql}\n`);
  });
}

const factory = {
  create: async () => connect(),
  destroy: async (socket) => void socket.destroy(),
};

const pool = genericPool.createPool(factory, { max: 2, min: 0 });

export async function query(sql) {
  const connection = await pool.acquire();
  try {
    return await ask(connection, sql);
  } finally {
    await pool.release(connection);
  }
}

/** The report page: four queries at once, each on a connection of its own. */
export async function report(id) {
  const [totals, refunds, customers, regions] = await Promise.all([
    query(`select total from sales where report = ${Number(id)}`),
    query(`select total from refunds where report = ${Number(id)}`),
    query(`select count(*) from customers where report = ${Number(id)}`),
    query(`select region, total from sales_by_region where report = ${Number(id)}`),
  ]);
  return { totals, refunds, customers, regions };
}

export function closePool() {
  return pool.drain().then(() => pool.clear());
}
