import http from 'node:http';

const BACKEND = process.env.BACKEND_URL ?? 'http://127.0.0.1:4000';

/** GET a JSON document from the backend API through `agent` (the global agent when undefined). */
export function getJson(path, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${BACKEND}${path}`, agent ? { agent } : {}, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body)));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
