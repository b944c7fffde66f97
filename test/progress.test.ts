import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress.js';

function fakeClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('progress indicator', () => {
  it('stays silent for quick scans and when stderr is not a terminal', () => {
    const writes: string[] = [];
    const clock = fakeClock();
    const quick = createProgress({ write: (t) => writes.push(t), isTTY: true, now: clock.now, delayMs: 400 });
    quick.update(1, 10);
    clock.advance(100);
    quick.update(5, 10);
    quick.stop();
    const piped = createProgress({ write: (t) => writes.push(t), isTTY: false, now: clock.now, delayMs: 0 });
    clock.advance(1000);
    piped.update(5, 10);
    piped.stop();
    expect(writes).toEqual([]);
  });

  it('draws after the delay, throttles redraws and erases the line at the end', () => {
    const writes: string[] = [];
    const clock = fakeClock();
    const progress = createProgress({ write: (t) => writes.push(t), isTTY: true, now: clock.now, delayMs: 400, intervalMs: 100 });
    clock.advance(500);
    progress.update(120, 1000);
    clock.advance(50);
    progress.update(130, 1000);
    clock.advance(60);
    progress.update(250, 1000);
    progress.update(1000, 1000);
    progress.stop();
    expect(writes).toEqual([
      '\r\u001b[2Kbottleneck: scanning 120/1,000 files (12%)',
      '\r\u001b[2Kbottleneck: scanning 250/1,000 files (25%)',
      '\r\u001b[2K',
    ]);
  });
});
