import { getJson } from './backend-client.mjs';

/** The order page: four independent backend calls. */
export async function orderPage(id) {
  const user = await getJson(`/users/${id}?ms=50`);
  const orders = await getJson(`/orders/${id}?ms=50`);
  const prefs = await getJson(`/prefs/${id}?ms=50`);
  const offers = await getJson(`/offers/${id}?ms=50`);
  return { user, orders, prefs, offers };
}
