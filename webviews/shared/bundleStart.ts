import * as z from 'zod';

// Run first in every webview bundle (esbuild.mjs injects it).

// Where the bundle starts running: bench/clickToPaint.ts splits the click-to-paint time with it.
performance.mark('cody-batch:bundle');

// A webview's CSP refuses eval, and zod probes for it as it builds each object schema (to compile
// a faster parser), which the webview reports as a violation of its CSP; told not to, zod parses the
// same, without the probe.
z.config({ jitless: true });
