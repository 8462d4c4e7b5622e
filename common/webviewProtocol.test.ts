import assert from 'node:assert/strict';
import * as z from 'zod';
import { answerRequest, ProtocolClient, type RequestMessage } from './webviewProtocol';

const spec = {
  requests: {
    add: { params: z.object({ a: z.number(), b: z.number() }), result: z.object({ sum: z.number() }) },
    fail: { params: z.object({}), result: z.object({}) },
    lie: { params: z.object({}), result: z.object({ sum: z.number() }) },
  },
  events: { ping: z.object({ n: z.number() }) },
};

describe('webview protocol', () => {
  const handlers = {
    add: ({ a, b }: { a: number; b: number }) => ({ sum: a + b }),
    fail: () => {
      throw new Error('nope');
    },
    lie: () => ({ sum: 'not a number' }) as unknown as { sum: number },
  };

  /** The page's client wired straight to the extension's end, as postMessage would. */
  function connected() {
    const client: ProtocolClient<typeof spec> = new ProtocolClient(spec, (message: RequestMessage) => {
      void answerRequest(spec, handlers, structuredClone(message)).then((reply) =>
        client.receive(structuredClone(reply)),
      );
    });
    return client;
  }

  it('answers typed requests with results, and errors as rejections', async () => {
    const client = connected();
    assert.deepEqual(await client.request('add', { a: 2, b: 3 }), { sum: 5 });
    await assert.rejects(client.request('fail', {}), /nope/);
  });

  it('refuses bad params and unknown methods on the extension side', async () => {
    assert.deepEqual(
      await answerRequest(spec, handlers, { kind: 'request', id: 1, method: 'add', params: { a: '2' } }),
      {
        kind: 'reply',
        id: 1,
        ok: false,
        error: 'Bad "add" request: Invalid input: expected number, received string',
      },
    );
    const unknown = await answerRequest(spec, handlers, { kind: 'request', id: 2, method: 'toString', params: {} });
    assert.equal(unknown?.ok, false);
    assert.equal(await answerRequest(spec, handlers, { hello: 'world' }), undefined, 'not a request: ignored');
  });

  it('refuses a reply of the wrong shape and ignores bad events on the page side', async () => {
    const client = connected();
    await assert.rejects(client.request('lie', {}), /unexpected shape/);
    const seen: number[] = [];
    client.on('ping', ({ n }) => seen.push(n));
    client.receive({ kind: 'event', name: 'ping', payload: { n: 1 } });
    client.receive({ kind: 'event', name: 'ping', payload: { n: 'x' } });
    client.receive({ kind: 'event', name: 'other', payload: {} });
    assert.deepEqual(seen, [1]);
  });
});
