import type { RE2JS } from 're2js';

// The name filters' engine (re2js, 147 KB) in the Create Job webview comes after the form has
// painted: the form's bundle (createJob.js) has re2Deferred.ts in its place (esbuild.mjs), and
// nameEngineScript.ts, a script of its own (nameEngine.js), hands the engine over when it has run.
// Until then an include or exclude expression is neither accepted nor refused: the form says it is
// checking it, and checks again when the engine arrives. Where the engine is bundled with the page
// (the web app, the tests), nothing is deferred and all of this answers "arrived".

type Engine = typeof RE2JS;

/** What the engine's own script and the form share (two bundles: only a global joins them). */
interface Arrival {
  engine?: Engine;
  failed?: string;
  waiting: (() => void)[];
}

declare global {
  var codyBatchNameEngine: Arrival | undefined;
}

/** Called by the stand-in for re2js as the form's bundle starts: the engine is yet to come. */
export function deferNameEngine(): void {
  globalThis.codyBatchNameEngine ??= { waiting: [] };
}

/** Called by the engine's script: the engine has arrived. */
export function nameEngineArrives(engine: Engine): void {
  globalThis.codyBatchNameEngine ??= { waiting: [] };
  const arrival = globalThis.codyBatchNameEngine;
  arrival.engine = engine;
  settle(arrival);
}

function settle(arrival: Arrival): void {
  for (const resume of arrival.waiting.splice(0)) resume();
}

/** The engine, once it has arrived; `failed` says why it never will. */
export function arrivedNameEngine(): { engine?: Engine; failed?: string } {
  return globalThis.codyBatchNameEngine ?? {};
}

/** True while the engine is on its way: an expression can be neither accepted nor refused yet. */
export function nameEngineLoading(): boolean {
  const arrival = globalThis.codyBatchNameEngine;
  return arrival !== undefined && !arrival.engine && !arrival.failed;
}

/** Resolves when the engine has arrived or has failed to (then checking an expression says so). */
export function nameEngineSettled(): Promise<void> {
  const arrival = globalThis.codyBatchNameEngine;
  if (!arrival || !nameEngineLoading()) return Promise.resolve();
  return new Promise((resolve) => arrival.waiting.push(resolve));
}

/**
 * Loads the engine's script: its URL is the page script's `data-later` (extension/webviews/html.ts),
 * and it carries the same nonce, which the page's CSP requires of every script. A page without one
 * has nothing deferred.
 */
export function loadNameEngine(document: Document): void {
  const arrival = globalThis.codyBatchNameEngine;
  const page = document.querySelector<HTMLScriptElement>('script[data-later]');
  if (!arrival || arrival.engine || !page?.dataset.later) return;
  const script = document.createElement('script');
  script.nonce = page.nonce;
  script.src = page.dataset.later;
  script.addEventListener('error', () => {
    arrival.failed = 'the engine for names did not load (close the form and open it again)';
    settle(arrival);
  });
  document.body.append(script);
}
