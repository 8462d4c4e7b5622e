import assert from 'node:assert/strict';
import { Poller, pollDelayMs, type Timers } from './poller';

// The Jobs view's poll: at the set rate while visible, slowly in the background while a job runs
// and the view is hidden, not at all when nothing runs. Timers are recorded, not waited for.

class RecordedTimers implements Timers {
  pending: { callback: () => void; ms: number; handle: number }[] = [];
  private next = 1;
  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.next++;
    this.pending.push({ callback, ms, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((timer) => timer.handle !== handle);
  }
  /** Runs the one waiting timer. */
  fire(): void {
    assert.equal(this.pending.length, 1, 'one poll is waiting');
    this.pending.shift()!.callback();
  }
  delays(): number[] {
    return this.pending.map((timer) => timer.ms);
  }
}

describe('Poller', () => {
  it('polls at the set rate while visible, a quarter of it (at least every 30 s) while hidden', () => {
    assert.equal(pollDelayMs(5, true), 5_000);
    assert.equal(pollDelayMs(5, false), 20_000);
    assert.equal(pollDelayMs(10, false), 30_000);
    assert.equal(pollDelayMs(60, false), 60_000, 'never faster hidden than visible');
  });

  it('keeps a background poll while a job runs and the view is hidden, and stops when none runs', () => {
    const timers = new RecordedTimers();
    let polls = 0;
    const poller = new Poller(
      () => polls++,
      () => 5,
      timers,
    );
    poller.setVisible(true);
    assert.deepEqual(timers.delays(), [], 'nothing runs: no poll');
    poller.setActive(true);
    assert.deepEqual(timers.delays(), [5_000]);
    assert.equal(poller.mode, 'visible');

    poller.setVisible(false);
    assert.deepEqual(timers.delays(), [20_000], 'hidden: slower, but still polling');
    assert.equal(poller.mode, 'background');
    timers.fire();
    assert.equal(polls, 1);
    poller.setActive(true); // the poll found a job still running
    assert.deepEqual(timers.delays(), [20_000]);

    poller.setVisible(true);
    assert.deepEqual(timers.delays(), [0], 'shown again: look now');
    timers.fire();
    poller.setActive(false); // the poll found nothing running
    assert.deepEqual(timers.delays(), []);
    assert.equal(poller.mode, 'off');
  });
});
