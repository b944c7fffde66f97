import { getJson } from './backend-client.mjs';

/** The order page: three independent backend calls. */
export async function orderPage(id) {
  const user = await getJson(`/users/${id}?ms=20`);
  const orders = await getJson(`/orders/${id}?ms=20`);
  const prefs = await getJson(`/prefs/${id}?ms=20`);
  return { user, orders, prefs };
}
