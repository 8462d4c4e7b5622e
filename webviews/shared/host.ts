import { ProtocolClient, type ProtocolSpec, type RequestMessage } from '../../common/webviewProtocol';

// The page's side of the webview: VS Code's API object, the typed protocol client over it, and
// the state VS Code keeps for the panel (what the serializer restores after a reload).

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
  const api = acquireVsCodeApi();
  const client = new ProtocolClient(spec, (message: RequestMessage) => api.postMessage(message));
  window.addEventListener('message', (event: MessageEvent) => client.receive(event.data));
  return { client, getState: () => api.getState(), setState: (state) => api.setState(state) };
}
