// Build step for dist/worker.js. A worker process lives for one repository, so compiling its 2 MB
// bundle is paid on every run: about 100 ms of CPU, the largest part of our fixed cost per
// repository. This wraps the bundle in a small loader that compiles it through `vm.Script` with V8's
// code cache, kept in CODY_BATCH_CODE_CACHE (the local executor points it into $CODY_BATCH_HOME).
// Without that variable (AWS Batch: one run per container) the bundle is compiled as usual. The
// result is still one self-contained file, which is what the worker image copies.

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

const PARAMETERS = 'exports, require, module, __filename, __dirname';

/** Rewrites `file` (an esbuild CommonJS bundle) in place as a loader with the bundle inside. */
export async function wrapWithCodeCache(file) {
  const bundle = await readFile(file, 'utf8');
  if (bundle.includes('/* cody-batch code-cache loader */')) return;
  // The function header sits on its own line and lineOffset -1 hides it, so stack traces and the
  // source map's lines stay those of the bundle.
  const source = `(function (${PARAMETERS}) {\n${bundle}\n})`;
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const loader = `/* cody-batch code-cache loader */
'use strict';
(function () {
  const fs = require('fs');
  const path = require('path');
  const vm = require('vm');
  const source = ${JSON.stringify(source)};
  const folder = process.env.CODY_BATCH_CODE_CACHE;
  const file = folder ? path.join(folder, '${hash}-' + process.version + '-' + process.arch + '.bin') : undefined;
  let cachedData;
  if (file) {
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // First run of this build: compile, and save the cache on the way out.
    }
  }
  const script = new vm.Script(source, { filename: __filename, lineOffset: -1, cachedData });
  if (file && (!cachedData || script.cachedDataRejected)) {
    // At exit the cache also holds the functions this run compiled lazily.
    process.once('exit', () => {
      try {
        fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
        const temporary = file + '.' + process.pid;
        fs.writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(temporary, file);
      } catch {
        // A cache is an optimization; never fail a run over it.
      }
    });
  }
  script.runInThisContext().call(module.exports, ${PARAMETERS});
})();
`;
  await writeFile(file, loader);
}
