import http from 'node:http';
import https from 'node:https';

const upstream = new URL(process.env.UPSTREAM_URL);
const partnerAgent = new https.Agent({ keepAlive: false, ca: process.env.UPSTREAM_CA });

function fetchQuote() {
  return new Promise((resolve, reject) => {
    const request = https.get({ host: upstream.hostname, port: upstream.port, path: '/quote', agent: partnerAgent }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.on('error', reject);
  });
}

const server = http.createServer(async (req, res) => {
  res.end(await fetchQuote());
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
