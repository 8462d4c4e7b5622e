import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startFakeSigV4Server } from '../test/fakes/sigv4Server';
import { newTestStore, startTestDynamo } from '../test/helpers/dynamo';
import { sampleJob } from '../test/helpers/jobs';
import { apiGatewayEvent, lambdaEnvironment } from '../test/helpers/lambdaEvents';
import { makeTempDir, REPO_ROOT } from '../test/helpers/localStack';

// `npm run bench -- bundles [runs]`: what the bundles cost to load, against the floor of a bare
// `node` start measured in the same run (median of runs, default 15):
// - the API Lambda's module init: CPU of importing dist/lambda/api.mjs over `node -e 0` (aim ≤ +80 ms),
//   and of the import plus its first GET /jobs/{id} (against an in-memory dynalite), as Lambda's
//   INIT and first invocation pay them; the bytes its static imports read at start against all its chunks;
// - each webview bundle's and each web app chunk's size (aim ≤ 200 KB each). The Create Job form's
//   bundle leaves the name filters' engine (re2js) to nameEngine.js, loaded after the form paints:
//   363 KB became 218 + 147 KB. Of the form's 218 (esbuild's metafile): zod 81 KB, the
//   @vscode-elements components and lit 72 (all on the form as it opens but vscode-collapsible, 4),
//   our schemas 24 (8 of them
//   never used by the form, the other views' protocols among them), the form 25. Now 179 KB (esbuild.mjs):
//   zod 50 KB, as webviews/createJob/zodLite.ts gives the form classic's methods that common/ calls
//   over zod/mini (a classic schema refers to every classic method, so a bundle carried all the
//   string formats, codecs and the like); the same core checks and messages, and the form still
//   checks every reply, its panel state and its draft. And every page leaves out the modules of
//   common/ it does not use (esbuild could not tell that building a schema has no other effect): the
//   diff view 191 → 173 KB, thread 195 → 178, overview 128 → 122, compose 114 → 82.
//
// Profiles (main at e72f501): api.js was one 3.3 MB CommonJS file, unminified, that built every AWS
// SDK client at load: compile (V8's parse) 26% of the load's CPU, zod's schema construction 21%,
// the S3 client 11%, AWS Batch's and Octokit's parsed though rarely used; and Lambda's NODE_OPTIONS
// --enable-source-maps parsed its 5.5 MB map at each start (+45 ms). The webviews each carried all
// of zod's locales (454 KB of 551 KB in the diff view): `import { z } from 'zod'` makes esbuild keep
// the whole namespace; `import * as z` lets it drop what no page uses.
//
// After (perf, merged with main's chain of custody; 2 cores at load average 12): importing api.mjs
// costs +119 ms of CPU over the floor (main: +170–190), still over the +80 aim. What it reads at start
// is 10 chunks, 683 KB of its 1,250 KB: the DynamoDB client every request needs is most of it
// (@smithy/core's schema serde 181 KB, @aws-sdk/client-dynamodb 85 KB, @aws-sdk/core 52 KB), then
// zod (99 KB, the schemas built at load), our API and store (120 KB), Hono (25 KB). S3, AWS Batch,
// Octokit and the sandbox runtime are not among them. The first request adds the four
// GetSecretValue calls for the signing and seal keys (main's custody) and the Ed25519 key set-up.
// Below +80 would take the SDK's DynamoDB client out of the start (a smaller client of our own) or
// zod's schemas built lazily per route: not done.
//
// After (perf-api; load average 19–24): the entry is backend/api/lambdaEntry.ts alone (2 files,
// 2 KB read at start) and the API — Hono, zod and the schemas, the DynamoDB client, the routes —
// is imported by the first invocation, which builds the dependencies then anyway: import +6 to +11
// ms over the floor (main: +119 to +130). That moves the cost, it does not remove it: import +
// first GET /jobs/{id} measured +265 to +322 (main: +351, at a lower load), the figure a cold
// start pays. Measured apart (each bundled alone, load average 22): the DynamoDB client +132 ms,
// common/schemas with zod +62 (re2js, the name filters' engine the schemas check with, +18 of
// it), Hono +10. The keys and the code host's credential are now read from Secrets Manager at the
// same time (one round of answers, not two), which loopback cannot show. A cold start and its
// first GET, profiled (BENCH_PROFILE=<folder>): V8 compiling the chunks 21% of its CPU, zod
// building the schemas 10%, garbage collection 8%, the SDK's client 8% and our API and store 11%
// on the stack. What would cut that rather than move it: a smaller DynamoDB client of our own,
// the schemas built per route, or a V8 code cache (Lambda's package is read-only, and a cache
// made here would not match Lambda's Node 24).

const execute = promisify(execFile);
/** Webview scripts a page loads after its first paint (webviews/createJob/nameEngine.ts). */
const LATER: Record<string, string> = { 'nameEngine.js': '  (the Create Job form loads it after it paints)' };
const RUNS = Number(process.argv[3] ?? 15);
const LAMBDA = path.join(REPO_ROOT, 'dist', 'lambda');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The CPU (user + system, ms) of a node process running `code` as an ES module, median of RUNS. */
async function cpuOf(code: string, env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<number> {
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { stdout } = await execute(
      process.execPath,
      [
        ...nodeArgs,
        '--input-type=module',
        '-e',
        `${code}\nconst used = process.cpuUsage(); console.log((used.user + used.system) / 1000);`,
      ],
      { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } },
    );
    runs.push(Number(stdout.trim().split('\n').at(-1)));
  }
  return median(runs);
}

/** The files an entry imports statically, itself included, following its `import … from './chunk…'`. */
async function staticGraph(folder: string, entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const walk = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = await readFile(path.join(folder, file), 'utf8');
    for (const match of source.matchAll(/(?:^|[;\s}])import\s*(?:[^'"()]*?from\s*)?["']\.\/([\w-]+\.m?js)["']/g))
      await walk(match[1]!);
  };
  await walk(entry);
  return [...seen];
}

async function sizes(folder: string, files: string[]): Promise<number> {
  let total = 0;
  for (const file of files) total += (await stat(path.join(folder, file))).size;
  return total;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

export async function main(): Promise<void> {
  console.log(
    `bench bundles: ${RUNS} runs each, ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
  );
  const api = pathToFileURL(path.join(LAMBDA, 'api.mjs')).href;
  const dynamo = await startTestDynamo();
  const folder = await makeTempDir();
  const identity = { accessKeyId: 'AKIDBENCHBUNDLES', secretAccessKey: 'bench-secret' };
  // Secrets Manager on loopback: the API reads its signing and seal keys at its first request.
  const secrets = await startFakeSigV4Server(
    [identity],
    (request) => {
      const { SecretId, VersionStage } = JSON.parse(request.body) as { SecretId: string; VersionStage?: string };
      if (VersionStage === 'AWSPREVIOUS')
        return { status: 400, body: { __type: 'ResourceNotFoundException', message: 'no AWSPREVIOUS' } };
      return { status: 200, body: { ARN: SecretId, SecretString: `${SecretId}-0123456789abcdefghijklmnopqrstuvwxyz` } };
    },
    'secretsmanager',
  );
  try {
    const store = await newTestStore(dynamo);
    const owner = 'arn:aws:iam::123456789012:user/bench';
    const job = sampleJob({ owner });
    await store.jobs.put(job);
    const env = lambdaEnvironment({
      store,
      dynamoEndpoint: dynamo.endpoint,
      artifacts: folder,
      identity,
      secretsManagerUrl: secrets.url,
      secrets: 'cody-batch/bench',
    });
    const event = JSON.stringify(apiGatewayEvent('GET', `/jobs/${job.jobId}`, { userArn: owner }));
    const floor = await cpuOf('0');
    const load = await cpuOf(`await import(${JSON.stringify(api)});`);
    const withMaps = await cpuOf(`process.setSourceMapsEnabled(true); await import(${JSON.stringify(api)});`);
    const firstRequest = await cpuOf(
      `const { handler } = await import(${JSON.stringify(api)});
       const answer = await handler(${event});
       if (answer.statusCode !== 200) throw new Error('GET /jobs/{id} answered ' + answer.statusCode);`,
      env,
      // BENCH_PROFILE=<folder>: a CPU profile of each cold start and first request
      // (`npm run bench -- profile <folder>`).
      process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [],
    );
    const files = (await readdir(LAMBDA)).filter((file) => file.endsWith('.mjs'));
    const atStart = await staticGraph(LAMBDA, 'api.mjs');
    console.log('\nAPI Lambda (dist/lambda/api.mjs), CPU in ms, median');
    console.log(`  node -e 0 (the floor)                    ${floor.toFixed(0).padStart(5)}`);
    console.log(
      `  import api.mjs                           ${load.toFixed(0).padStart(5)}   +${(load - floor).toFixed(0)} over the floor (aim ≤ +80)`,
    );
    console.log(
      `  the same with source maps on at start    ${withMaps.toFixed(0).padStart(5)}   +${(withMaps - floor).toFixed(0)} (what --enable-source-maps cost)`,
    );
    console.log(
      `  import + first GET /jobs/{id}            ${firstRequest.toFixed(0).padStart(5)}   +${(firstRequest - floor).toFixed(0)} (its keys read from Secrets Manager on loopback: four GetSecretValue)`,
    );
    console.log(
      `  read at start: ${atStart.length} files, ${kb(await sizes(LAMBDA, atStart))} of ${files.length} files, ${kb(await sizes(LAMBDA, files))}`,
    );

    console.log('\nBrowser bundles (aim ≤ 200 KB each)');
    for (const [label, dir] of [
      ['webviews', path.join(REPO_ROOT, 'dist', 'webviews')],
      ['web app', path.join(REPO_ROOT, 'dist', 'web')],
    ] as const) {
      const scripts = (await readdir(dir)).filter((file) => file.endsWith('.js'));
      for (const file of scripts) {
        const size = (await stat(path.join(dir, file))).size;
        console.log(
          `  ${label.padEnd(9)} ${file.padEnd(22)} ${kb(size).padStart(7)}${size > 200 * 1024 ? '  over the aim' : ''}${LATER[file] ?? ''}`,
        );
      }
      if (label === 'web app') {
        const shell = await staticGraph(dir, 'app.js');
        console.log(
          `  web app: its first page reads ${kb(await sizes(dir, shell))} (${shell.length} files) before the page's own chunk`,
        );
      }
    }
  } finally {
    await secrets.close();
    await dynamo.close();
  }
}
