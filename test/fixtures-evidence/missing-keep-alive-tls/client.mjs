import http from 'node:http';
import https from 'node:https';
import axios from 'axios';

// A client factory that builds a new client, with a TLS agent of its own, on every call.
function partnerClient() {
  return axios.create({ baseURL: process.env.UPSTREAM_URL, httpsAgent: new https.Agent({ keepAlive: true, ca: process.env.UPSTREAM_CA }) });
}

const server = http.createServer(async (req, res) => {
  const { data } = await partnerClient().get('/quote');
  res.end(JSON.stringify(data));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
