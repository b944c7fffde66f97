import { getJson } from './backend-client.mjs';

/** The order page: three independent backend calls. */
export async function orderPage(id) {
  const user = await getJson(`/users/${id}?ms=30`);
  const orders = await getJson(`/orders/${id}?ms=30`);
  const prefs = await getJson(`/prefs/${id}?ms=30`);
  return { user, orders, prefs };
}
