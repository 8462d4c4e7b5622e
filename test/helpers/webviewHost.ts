import {
  answerRequest,
  eventMessage,
  ProtocolClient,
  type Handlers,
  type Payload,
  type ProtocolSpec,
} from '../../common/webviewProtocol';
import type { Host } from '../../webviews/shared/host';

// A webview page's host for DOM tests: its requests go through the extension's real end of the
// protocol (answerRequest, which validates them) to `handlers`, and the replies and events come
// back through the page's validating client. The state is what VS Code keeps with setState.

export function webviewHost<S extends ProtocolSpec>(spec: S, handlers: Handlers<S>, saved?: unknown) {
  let state = saved;
  const client: ProtocolClient<S> = new ProtocolClient(spec, (message) => {
    void answerRequest(spec, handlers, message).then((reply) => client.receive(reply));
  });
  const host: Host<S> = { client, getState: () => state, setState: (value) => (state = value) };
  return {
    host,
    /** What the page last saved with setState. */
    state: () => state,
    /** The extension posts an event to the page. */
    push: <E extends keyof S['events'] & string>(name: E, payload: Payload<S, E>) =>
      client.receive(eventMessage(spec, name, payload)),
  };
}
