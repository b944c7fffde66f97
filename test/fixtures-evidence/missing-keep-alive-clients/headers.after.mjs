import http from 'node:http';
import axios from 'axios';
const clients = new Map();
const clientFor = (baseURL) => clients.get(baseURL) ?? clients.set(baseURL, axios.create({ baseURL })).get(baseURL);
const server = http.createServer(async (req, res) => {
  const client = clientFor(process.env.UPSTREAM_URL);
  const { data } = await client.get('/quote');
  res.end(JSON.stringify(data));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
