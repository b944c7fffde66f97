import http from 'node:http';
import { Sequelize } from 'sequelize';

// The embedded PostgreSQL the test started (PGHOST is its Unix-socket directory).
const sequelize = new Sequelize(process.env.PGDATABASE, process.env.PGUSER, process.env.PGPASSWORD, {
  dialect: 'postgres',
  host: process.env.PGHOST,
  port: Number(process.env.PGPORT),
  logging: false,
  pool: { max: 1, min: 0 },
});

const server = http.createServer(async (req, res) => {
  const results = await Promise.all([1, 2, 3].map(() => sequelize.query('select pg_sleep(?)', { replacements: [Number(process.env.SLEEP_S)] })));
  res.end(JSON.stringify(results.length));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
