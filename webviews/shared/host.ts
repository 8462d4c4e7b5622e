import {
  answerRequest,
  type EventMessage,
  type Handlers,
  type Payload,
  ProtocolClient,
  type ProtocolSpec,
  type RequestMessage,
} from '../../common/webviewProtocol';

// The seam between a view (diff, thread, Create Job) and what runs it. A view talks only to a
// `Host`: typed requests and events over the protocol of common/webviewProtocol/, and the state
// kept for it. Two hosts implement it:
// - `connectHost`, inside a VS Code webview: requests go to the extension with postMessage, whose
//   handlers talk to the API, open editors and save files; the theme is VS Code's --vscode-* variables.
// - `inPageHost`, in the web app (webviews/app/): the same handlers run in the page, talking to the
//   API with `fetch` through the typed client, opening links in a tab and saving a patch as a
//   download; the theme is the app's light and dark palette of the same variables (app/palette.css).
// A view cannot tell them apart.

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host<S extends ProtocolSpec> {
  client: ProtocolClient<S>;
  getState(): unknown;
  setState(state: unknown): void;
}

export function connectHost<S extends ProtocolSpec>(spec: S, window: Window = globalThis.window): Host<S> {
  // Where the page's script starts running (bench/clickToPaint.ts reads it).
  performance.mark('cody-batch:script');
  const api = acquireVsCodeApi();
  const client = new ProtocolClient(spec, (message: RequestMessage) => api.postMessage(message));
  window.addEventListener('message', (event: MessageEvent) => client.receive(event.data));
  return { client, getState: () => api.getState(), setState: (state) => api.setState(state) };
}

export interface PageHost<S extends ProtocolSpec> extends Host<S> {
  /** Pushes an event to the view, as the extension does with postMessage. */
  emit<E extends keyof S['events'] & string>(name: E, payload: Payload<S, E>): void;
}

/**
 * A host whose handlers run in the page itself. Messages still go through the protocol's checks
 * both ways (a reply the view did not ask for, or of the wrong shape, is refused the same), so a
 * view behaves exactly as in VS Code. `state` is where getState/setState keep the view's state.
 */
export function inPageHost<S extends ProtocolSpec>(
  spec: S,
  handlers: Handlers<S>,
  state: { get(): unknown; set(value: unknown): void } = memoryState(),
): PageHost<S> {
  const client: ProtocolClient<S> = new ProtocolClient(spec, (message: RequestMessage) => {
    void answerRequest(spec, handlers, message).then((reply) => {
      if (reply) client.receive(reply);
    });
  });
  return {
    client,
    getState: () => state.get(),
    setState: (value) => state.set(value),
    emit: (name, payload) => client.receive({ kind: 'event', name, payload } satisfies EventMessage),
  };
}

function memoryState(): { get(): unknown; set(value: unknown): void } {
  let kept: unknown;
  return { get: () => kept, set: (value) => (kept = value) };
}
