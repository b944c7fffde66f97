import http from 'node:http';

const upstream = process.env.UPSTREAM_URL;

async function loadUser(id) {
  const res = await fetch(`${upstream}/users/${id}`);
  return res.json();
}

async function loadOrders(id) {
  const res = await fetch(`${upstream}/orders/${id}`);
  return res.json();
}

async function loadPrefs(id) {
  const res = await fetch(`${upstream}/prefs/${id}`);
  return res.json();
}

export async function profile(id) {
  const [user, orders, prefs] = await Promise.all([
    loadUser(id), loadOrders(id),
    loadPrefs(id)]);
  return { user, orders, prefs };
}

const server = http.createServer(async (req, res) => {
  const body = await profile(1);
  res.end(JSON.stringify(body));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
