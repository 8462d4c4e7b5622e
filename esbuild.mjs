// Bundles every entry point into dist/. `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { wrapWithCodeCache } from './backend/worker/codeCache.mjs';

const watch = process.argv.includes('--watch');

// The AWS SDK warns at every start that Node 20 nears its end of support. That is known (Lambda and
// the worker image run Node 24) and should not greet every CLI user; the SDK has a switch for it.
const quietNode = `process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';`;

/**
 * Browser bundles leave out zod's JSON Schema writer (two modules, 18 KB of every page): zod's
 * schema classes refer to it for `toJSONSchema()`, which no page calls. Each of its functions is
 * replaced by one that throws, so a page that ever did call it would fail loudly, not quietly.
 */
const zodWithoutJsonSchema = {
  name: 'zod-without-json-schema',
  setup(build) {
    build.onLoad({ filter: /zod[\\/]v4[\\/]core[\\/](json-schema-processors|to-json-schema)\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const names = [...source.matchAll(/^export (?:const|function) (\w+)/gm)].map((match) => match[1]);
      const stub = (name) =>
        name === 'aggregateChecks'
          ? '() => ({})'
          : name === 'allProcessors'
            ? '{}'
            : /^create\w*Method$/.test(name)
              ? '() => unavailable'
              : 'unavailable';
      const contents = [
        "const unavailable = () => { throw new Error('JSON Schema is not in this browser bundle'); };",
        ...names.map((name) => `export const ${name} = ${stub(name)};`),
        ...(names.includes('processSchema') ? ['export { processSchema as process };'] : []),
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};

/**
 * A browser bundle leaves out each module of common/ none of whose exports it uses. common/ holds
 * declarations only (schemas, types, functions: no module of it runs anything at load but building
 * its own constants, which test/commonDeclarations.test.ts keeps true), but esbuild cannot tell that a
 * call such as `z.object(…)` has no other effect, so through the barrels (common/schemas,
 * common/webviewProtocol) every page built every resource's and every view's schemas at load:
 * the Create Job form carried the diff view's protocol, the thread's, the follow-ups' schemas.
 */
const commonDeclarationsOnly = {
  name: 'common-declarations-only',
  setup(build) {
    const common = `${fileURLToPath(new URL('./common', import.meta.url))}${path.sep}`;
    build.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === commonDeclarationsOnly || !args.importer) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: commonDeclarationsOnly,
      });
      if (resolved.errors.length || !resolved.path.startsWith(common)) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

/**
 * The Create Job form's bundle has webviews/createJob/zodLite.ts for `zod`: classic's methods that
 * common/ calls, over zod/mini (the same core schemas and checks), without the rest of classic's
 * methods, which every classic schema refers to (zodLite.ts says more). Only `zod` itself: zodLite
 * imports zod/mini and zod/v4/core.
 */
export const zodLite = {
  name: 'zod-lite',
  setup(build) {
    build.onResolve({ filter: /^zod$/ }, () => ({
      path: fileURLToPath(new URL('./webviews/createJob/zodLite.ts', import.meta.url)),
    }));
  },
};

/**
 * In an ES module bundle split into chunks (the CLI, the API Lambda), `import()` of a CommonJS
 * package yields only its `default` export: esbuild makes its chunk `export default require_x()`, so
 * `(await import('@aws-sdk/client-s3')).S3Client` is undefined at run time, though it type-checks
 * and runs from source. Our code's `import()` of a package goes through a module of ours that names
 * what it uses (backend/store/artifacts/s3Sdk.ts, common/credentialProviders.ts); this fails the
 * build where one does not.
 */
const noDynamicImportOfCommonJs = {
  name: 'no-dynamic-import-of-commonjs',
  setup(build) {
    const nodeModules = `${path.sep}node_modules${path.sep}`;
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.importer.includes(nodeModules)) return undefined;
      if (args.pluginData === noDynamicImportOfCommonJs) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: noDynamicImportOfCommonJs,
      });
      if (resolved.errors.length || resolved.external || !(await isCommonJs(resolved.path))) return undefined;
      return {
        errors: [
          {
            text: `import('${args.path}') of a CommonJS package yields only its default export in this bundle: import it through a module of ours that re-exports the names used`,
          },
        ],
      };
    });
  },
};

/** Whether Node loads `file` as CommonJS: .cjs, or .js under a package.json whose type is not "module". */
async function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let folder = path.dirname(file); folder !== path.dirname(folder); folder = path.dirname(folder)) {
    try {
      return JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8')).type !== 'module';
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
  }
  return true;
}

/** What every webview bundle runs first (a mark for the bench, zod without its probe for eval). */
const webviewStart = { inject: ['./webviews/shared/bundleStart.ts'] };

/** Browser bundles decode HTML entities with the browser (webviews/shared/htmlEntities.ts), not entities' table. */
const browserAliases = { entities: './webviews/shared/htmlEntities.ts' };

// Anthropic's sandbox runtime (backend/worker/sandbox.ts) is loaded from node_modules at run time: it
// finds its seccomp helper and proxy agent beside its own files, and it is an ES module.
const sandboxRuntime = '@anthropic-ai/sandbox-runtime';

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

/** What every browser bundle shares: the webviews' and the web app's. Fonts keep their names. */
const browser = {
  bundle: true,
  platform: 'browser',
  target: 'chrome120',
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  minify: true,
  loader: { '.ttf': 'file' },
  assetNames: '[name]',
  alias: browserAliases,
};

/** Each build: name, esbuild options. Add new entry points here. */
export const builds = [
  {
    // The CLI: an ES module split by command (dist/cli/main.mjs and its chunks beside it). Each
    // command's modules load when it runs (cli/main.ts), so a client command reads and runs only the
    // API client, never the local stack's (the API, the store, the AWS SDK's clients, the code
    // hosts), most of the code: about 0.3 s of CPU at every start when it was one file. dist/cli.js,
    // the `cody-batch` command, starts it (the next build).
    name: 'cli',
    options: {
      ...node,
      format: 'esm',
      splitting: true,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      entryPoints: { main: 'cli/main.ts' },
      outdir: 'dist/cli',
      plugins: [noDynamicImportOfCommonJs],
      target: 'node20',
      // dynalite stores through classic-level, a native addon that loads its prebuilt binary at run time.
      external: ['dynalite', sandboxRuntime],
      // The AWS SDK's CommonJS modules require Node's own, and the sources' `__dirname` means the
      // folder of the bundle they are in: dist/, where dist/worker.js, dist/dynamo.js and dist/web are.
      banner: {
        js: [
          "import { createRequire as __createRequire } from 'node:module';",
          "import { dirname as __dirnameOf } from 'node:path';",
          "import { fileURLToPath as __fileURLToPath } from 'node:url';",
          'const require = __createRequire(import.meta.url);',
          'const __dirname = __dirnameOf(__dirnameOf(__fileURLToPath(import.meta.url)));',
        ].join(' '),
      },
    },
  },
  {
    // dist/cli.js: CommonJS, as a `bin` is run by Node whatever the package's type; it quiets the
    // SDK's notice before anything loads, then imports the CLI.
    name: 'cli-start',
    options: {
      stdin: { contents: `${quietNode}\nimport('./cli/main.mjs');\n`, loader: 'js', sourcefile: 'cli-start.js' },
      outfile: 'dist/cli.js',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      banner: { js: '#!/usr/bin/env node' },
    },
  },
  {
    // dist/dynamo.js: the local stack's DynamoDB in a process of its own (backend/local/dynamoProcess.ts).
    name: 'dynamo',
    options: {
      ...node,
      entryPoints: { dynamo: 'backend/local/dynamoProcess.ts' },
      outdir: 'dist',
      target: 'node20',
      external: ['dynalite'],
      banner: { js: quietNode },
    },
  },
  {
    name: 'extension',
    options: {
      ...node,
      entryPoints: { extension: 'extension/extension.ts' },
      outdir: 'dist',
      // VS Code 1.100 runs extensions on Node 20; `vscode` is provided by the host.
      target: 'node20',
      external: ['vscode'],
      minify: true,
    },
  },
  {
    name: 'webviews',
    options: {
      ...browser,
      ...webviewStart,
      format: 'iife',
      plugins: [zodWithoutJsonSchema, commonDeclarationsOnly],
      // Pages that only show a job never match a name: they leave out the name filters' engine.
      alias: { ...browserAliases, re2js: './webviews/shared/re2Unchecked.ts' },
      entryPoints: {
        diff: 'webviews/diff/main.ts',
        thread: 'webviews/thread/main.ts',
        overview: 'webviews/overview/main.ts',
        compose: 'webviews/compose/main.ts',
        codicons: 'webviews/shared/codicons.css',
      },
      // Each view's CSS (imported by its main.ts) lands beside its script.
      outdir: 'dist/webviews',
    },
  },
  {
    // The Create Job form checks an include/exclude expression as it is typed, with the server's
    // engine; the engine comes in a script of its own, loaded after the form paints
    // (webviews/createJob/nameEngine.ts), so the form's first script is half the size.
    name: 'webviews-form',
    options: {
      ...browser,
      ...webviewStart,
      format: 'iife',
      plugins: [zodWithoutJsonSchema, commonDeclarationsOnly, zodLite],
      alias: { ...browserAliases, re2js: './webviews/createJob/re2Deferred.ts' },
      entryPoints: { createJob: 'webviews/createJob/main.ts' },
      outdir: 'dist/webviews',
    },
  },
  {
    name: 'webviews-name-engine',
    options: {
      ...browser,
      format: 'iife',
      entryPoints: { nameEngine: 'webviews/createJob/nameEngineScript.ts' },
      outdir: 'dist/webviews',
    },
  },
  {
    // The web app (webviews/app/): the same views in a page of their own, served by the local stack
    // at http://127.0.0.1:7878/ and from S3 through CloudFront on AWS.
    name: 'web',
    options: {
      ...browser,
      // An ES module split by page: app.js holds the shell and the router, each page a chunk
      // loaded when it is first opened (beside it, so the local stack serves them by name).
      format: 'esm',
      splitting: true,
      chunkNames: 'chunk-[hash]',
      entryPoints: { app: 'webviews/app/main.ts', codicons: 'webviews/shared/codicons.css' },
      outdir: 'dist/web',
      plugins: [
        zodWithoutJsonSchema,
        commonDeclarationsOnly,
        {
          name: 'index-html',
          setup: (build) =>
            build.onEnd(async (result) => {
              if (result.errors.length) return;
              await mkdir('dist/web', { recursive: true });
              await copyFile('webviews/app/index.html', 'dist/web/index.html');
            }),
        },
      ],
    },
  },
  {
    name: 'lambda',
    options: {
      ...node,
      // ES modules split into chunks (api.mjs, sweeper.mjs and what they share): a chunk is read
      // and parsed only when first imported. The API's entry (backend/api/lambdaEntry.ts) is all its
      // start reads: the first invocation loads what every request needs (Hono, the schemas,
      // DynamoDB), and S3, AWS Batch and the code host load when a route first uses them.
      format: 'esm',
      splitting: true,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      minify: true,
      // The AWS SDK's CommonJS modules require Node's own; an ES module has no `require` of its own.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      entryPoints: { api: 'backend/api/lambdaEntry.ts', sweeper: 'backend/api/sweeper.ts' },
      plugins: [noDynamicImportOfCommonJs],
      outdir: 'dist/lambda',
      // A Lambda's credentials are in its environment: the SDK's default chain without its other sources.
      alias: { '@aws-sdk/credential-provider-node': './backend/api/lambdaCredentials.ts' },
      // Lambda's nodejs24.x. test/lambdaBundle.test.ts loads them on the local Node 20 as well,
      // which catches syntax that Node 20 lacks.
      target: 'node24',
    },
  },
  {
    name: 'worker',
    options: {
      ...node,
      entryPoints: { worker: 'backend/worker/main.ts' },
      outdir: 'dist',
      // node20: the local pool runs it on this machine's Node; the worker image runs Node 24.
      target: 'node20',
      external: [sandboxRuntime],
      minify: true,
      banner: { js: quietNode },
      plugins: [
        {
          name: 'code-cache',
          setup: (build) =>
            build.onEnd((result) => (result.errors.length ? undefined : wrapWithCodeCache('dist/worker.js'))),
        },
      ],
    },
  },
];

async function main() {
  await rm('dist', { recursive: true, force: true });
  if (watch) {
    const contexts = await Promise.all(builds.map((build) => esbuild.context(build.options)));
    await Promise.all(contexts.map((context) => context.watch()));
    console.log('esbuild: watching', builds.map((build) => build.name).join(', '));
    return;
  }
  await Promise.all(builds.map((build) => esbuild.build(build.options)));
}

// Run as a script (`node esbuild.mjs`); a test may import its plugins without building.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
