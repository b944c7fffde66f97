import http from 'node:http';
import { getJson } from './backend-client.mjs';

// The pricing API is called on every request to /quote.
const pricingAgent = new http.Agent({ keepAlive: false, maxSockets: 50 });

export function quote(id) {
  return getJson(`/pricing/${id}?ms=2`, pricingAgent);
}
