import type { RegisteredRule } from '../src/rule.js';
import fakeCompression from './fake-compression.js';
import missingKeepAlive from './missing-keep-alive.js';
import sequentialAwait from './sequential-await.js';
import unclearedTimer from './uncleared-timer.js';
import undersizedPool from './undersized-pool.js';

/** Every rule the tool ships, in the order `bottleneck rules` lists them. */
export const ALL_RULES: RegisteredRule[] = [fakeCompression, sequentialAwait, unclearedTimer, missingKeepAlive, undersizedPool];

export function findRule(id: string): RegisteredRule | undefined {
  return ALL_RULES.find((rule) => rule.meta.id === id);
}
