import path from 'node:path';

// Where the CDK app finds what it deploys: the bundles `npm run build` writes and the worker's
// Dockerfile. Absolute, so synth works from any working directory.

export const REPO_ROOT = path.resolve(__dirname, '..');

/** The Lambda code asset: `npm run build` writes api.js and sweeper.js here. */
export const LAMBDA_BUNDLES = path.join(REPO_ROOT, 'dist', 'lambda');

/** The worker image's Dockerfile, relative to its build context, the repository root (.dockerignore trims it). */
export const WORKER_DOCKERFILE = 'backend/worker/Dockerfile';
