import assert from 'node:assert/strict';
import * as z from 'zod';
import { answerRequest, type Handlers, type ReplyMessage } from '../../common/webviewProtocol';
import { startedEarly } from './startedEarly';

// A panel's `load` is started as its page is given, and the page's first `load` is answered with
// that run: the handler runs once for it, later loads run anew, and a failure reaches the page.

const spec = {
  requests: { load: { params: z.object({}), result: z.object({ run: z.number() }) } },
  events: {},
};

function counting(fail = false) {
  let runs = 0;
  const handlers: Handlers<typeof spec> = {
    load: async () => {
      runs++;
      if (fail) throw new Error('The API is not reachable');
      return { run: runs };
    },
  };
  return { handlers, runs: () => runs };
}

const ask = async (handlers: Handlers<typeof spec>, id: number) =>
  (await answerRequest(spec, handlers, { kind: 'request', id, method: 'load', params: {} })) as ReplyMessage;

describe('a request started before the page asks (startedEarly)', () => {
  it('runs the handler when started, answers the first request with that run, and later ones anew', async () => {
    const { handlers, runs } = counting();
    const early = startedEarly(handlers, 'load');
    early.start();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(runs(), 1, 'started before any request');
    assert.deepEqual(await ask(early.handlers, 1), { kind: 'reply', id: 1, ok: true, result: { run: 1 } });
    assert.equal(runs(), 1, 'the first request did not run it again');
    assert.deepEqual(await ask(early.handlers, 2), { kind: 'reply', id: 2, ok: true, result: { run: 2 } });
  });

  it('starting again (the panel shows something else) replaces the earlier run', async () => {
    const { handlers, runs } = counting();
    const early = startedEarly(handlers, 'load');
    early.start();
    early.start();
    assert.deepEqual(await ask(early.handlers, 1), { kind: 'reply', id: 1, ok: true, result: { run: 2 } });
    assert.equal(runs(), 2);
  });

  it('gives the page the early run’s failure as its answer, and leaves no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const early = startedEarly(counting(true).handlers, 'load');
      early.start();
      await new Promise((resolve) => setTimeout(resolve, 10));
      const reply = await ask(early.handlers, 1);
      assert.deepEqual(reply, { kind: 'reply', id: 1, ok: false, error: 'The API is not reachable' });
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('leaves handlers without an early request as they are', () => {
    const { handlers } = counting();
    assert.equal(startedEarly(handlers, undefined).handlers, handlers);
  });
});
