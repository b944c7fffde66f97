import { getJson } from './backend-client.mjs';

/** Rejects when `promise` takes longer than `ms`. */
function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);
}

export function search(term) {
  return withTimeout(getJson(`/search/${encodeURIComponent(term)}?ms=1`), 30_000);
}
