import { Window } from 'happy-dom';

// A browser-like DOM (happy-dom) for running webview rendering code in mocha.

export function makeDom(): { window: Window; document: Document; root: HTMLElement; close(): Promise<void> } {
  const window = new Window({ url: 'https://webview.test/' });
  const document = window.document as unknown as Document;
  const root = document.createElement('main');
  root.id = 'app';
  document.body.appendChild(root);
  return { window, document, root, close: () => window.happyDOM.close() };
}
