import http from 'node:http';
import axios from 'axios';

// A client factory that builds a new client, with an agent of its own, on every call.
function quoteClient() {
  return axios.create({ baseURL: process.env.UPSTREAM_URL, httpAgent: new http.Agent({ keepAlive: true }) });
}

const server = http.createServer(async (req, res) => {
  const { data } = await quoteClient().get('/quote');
  res.end(JSON.stringify(data));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
