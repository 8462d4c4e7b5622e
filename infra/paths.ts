import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config';

// Where the CDK app finds what it deploys: the bundles `npm run build` writes and the worker's
// Dockerfile. Absolute, so synth works from any working directory.

export const REPO_ROOT = path.resolve(__dirname, '..');

/** The Lambda code asset: `npm run build` writes api.mjs, sweeper.mjs, their chunks and source maps here. */
export const LAMBDA_BUNDLES = path.join(REPO_ROOT, 'dist', 'lambda');

/** The web app: `npm run build` writes index.html, app.js and its styles here; the frontend bucket gets them. */
export const WEB_BUNDLE = path.join(REPO_ROOT, 'dist', 'web');

/** The worker image's Dockerfile, relative to its build context, the repository root (.dockerignore trims it). */
export const WORKER_DOCKERFILE = 'backend/worker/Dockerfile';

/** The bundles the stack deploys, relative to REPO_ROOT. */
export const DEPLOYED_BUNDLES = ['dist/lambda/api.mjs', 'dist/lambda/sweeper.mjs', 'dist/worker.js'];

/** Fails with what to do when `npm run build` has not made the bundles the stack deploys. */
export function assertBundlesBuilt(root = REPO_ROOT): void {
  const missing = DEPLOYED_BUNDLES.filter((bundle) => !existsSync(path.join(root, bundle)));
  if (missing.length > 0) {
    throw new ConfigError(
      `Cody Batch infra: ${missing.join(', ')} missing. Run \`npm run build\` first (npm run synth and the deploy scripts do).`,
    );
  }
}
