import http from 'node:http';
import mysql from 'mysql2/promise';

// The loopback MySQL-protocol server the test started: it holds each SLEEP for that long.
const pool = mysql.createPool({
  socketPath: process.env.MYSQL_SOCKET,
  user: 'app',
  connectionLimit: 1,
});

const server = http.createServer(async (req, res) => {
  const results = await Promise.all([1, 2, 3].map(() => pool.query(`SELECT SLEEP(${process.env.SLEEP_S})`)));
  res.end(JSON.stringify(results.length));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
