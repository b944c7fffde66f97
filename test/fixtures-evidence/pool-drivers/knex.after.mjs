import http from 'node:http';
import knex from 'knex';

// The embedded PostgreSQL the test started (PGHOST is its Unix-socket directory).
const db = knex({
  client: 'pg',
  connection: { host: process.env.PGHOST, port: Number(process.env.PGPORT), user: process.env.PGUSER, password: process.env.PGPASSWORD, database: process.env.PGDATABASE },
  pool: { min: 0, max: 3 },
});

const server = http.createServer(async (req, res) => {
  const results = await Promise.all([1, 2, 3].map(() => db.raw('select pg_sleep(?)', [Number(process.env.SLEEP_S)])));
  res.end(JSON.stringify(results.length));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
