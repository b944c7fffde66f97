import http from 'node:http';
import axios from 'axios';

const server = http.createServer(async (req, res) => {
  // A client per request, whose every request asks the upstream to close the connection.
  const client = axios.create({ baseURL: process.env.UPSTREAM_URL, headers: { Connection: 'close' } });
  const { data } = await client.get('/quote');
  res.end(JSON.stringify(data));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
