import http from 'node:http';
import { getJson } from './backend-client.mjs';

// Planted non-bottleneck: the legacy inventory service closes every connection after its answer
// (`Connection: close`), so a keep-alive agent here would open exactly as many sockets as this one.
const inventoryAgent = new http.Agent({ keepAlive: false, maxSockets: 50 });

export function stockLevel(id) {
  return getJson(`/legacy/stock/${id}?ms=2`, inventoryAgent);
}
