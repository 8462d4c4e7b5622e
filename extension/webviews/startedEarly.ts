import type { Handlers, ProtocolSpec } from '../../common/webviewProtocol';

// A page's first request started before the page asks for it (panels.ts): a new webview takes a
// few hundred milliseconds to start and run its script, and the API calls of the diff view's `load`
// run in that time instead of after it.

/**
 * `handlers` whose `method` (parameterless) can be started before the page asks: `start` runs it
 * now, and the page's next request of it is answered with that run (a failure, too, reaches the page
 * as its answer); requests after it run anew.
 */
export function startedEarly<S extends ProtocolSpec>(
  handlers: Handlers<S>,
  method: (keyof S['requests'] & string) | undefined,
): { handlers: Handlers<S>; start(): void } {
  if (!method) return { handlers, start: () => undefined };
  const run = handlers[method] as (params: object) => unknown;
  let started: Promise<unknown> | undefined;
  return {
    handlers: {
      ...handlers,
      [method]: (params: object) => {
        const answer = started ?? run(params);
        started = undefined;
        return answer;
      },
    } as Handlers<S>,
    start: () => {
      started = Promise.resolve().then(() => run({}));
      // Not unhandled while no request has come for it yet; the request's answer still carries the error.
      started.catch(() => undefined);
    },
  };
}
