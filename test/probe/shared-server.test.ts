/**
 * The server a probe run's pool findings share: one start for the run, whatever its outcome, and a close
 * that stops what was started, even when the run ends while the start is still under way.
 */
import { describe, expect, it } from 'vitest';
import { sharedServer } from '../../src/probe/exec/shared-server.js';
import type { ProbeContext } from '../../src/probe/types.js';

const context = (): ProbeContext => ({ deadline: Date.now() + 60_000, signal: new AbortController().signal });

function fakeServer() {
  let closes = 0;
  return { server: { name: 'db', close: async () => void (closes += 1) }, closes: () => closes };
}

describe('sharedServer', () => {
  it('starts once for every finding of the run, and close() stops it once', async () => {
    const fake = fakeServer();
    let starts = 0;
    const shared = sharedServer(async () => {
      starts += 1;
      return fake.server;
    });
    expect(shared.starts).toBe(0);
    const [first, second] = await Promise.all([shared.open(context()), shared.open(context())]);
    const third = await shared.open(context());
    expect(first).toBe(fake.server);
    expect(second).toBe(fake.server);
    expect(third).toBe(fake.server);
    expect(starts).toBe(1);
    expect(shared.starts).toBe(1);
    await shared.close();
    await shared.close();
    expect(fake.closes()).toBe(1);
  });

  it('a start that failed or threw gives every later finding the same reason, without starting again', async () => {
    let starts = 0;
    const failing = sharedServer<{ close(): Promise<void> }>(async () => {
      starts += 1;
      throw new Error('initdb failed');
    });
    expect(await failing.open(context())).toEqual({ unavailable: 'initdb failed' });
    expect(await failing.open(context())).toEqual({ unavailable: 'initdb failed' });
    expect(starts).toBe(1);
    await failing.close();
  });

  it('a run that ends while the server is still starting stops it once it is up', async () => {
    const fake = fakeServer();
    let up: (value: typeof fake.server) => void = () => undefined;
    const shared = sharedServer(() => new Promise<typeof fake.server>((resolve) => (up = resolve)));
    void shared.open(context());
    const closing = shared.close();
    up(fake.server);
    await closing;
    expect(fake.closes()).toBe(1);
  });

  it('a run with no finding that needs it starts nothing', async () => {
    let starts = 0;
    const shared = sharedServer(async () => {
      starts += 1;
      return fakeServer().server;
    });
    await shared.close();
    expect(starts).toBe(0);
    expect(shared.starts).toBe(0);
  });
});
