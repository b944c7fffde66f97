import http from 'node:http';

export async function fetchQuote(upstream) {
  const answer = await fetch(`${upstream}/quote`, { headers: { connection: 'close' } });
  return answer.text();
}

const server = http.createServer(async (req, res) => {
  res.end(await fetchQuote(process.env.UPSTREAM_URL));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
