// Placeholder for the worker entry (dist/worker.js), so the infra branch builds the bundle its
// Dockerfile copies. The worker branch brings the real entry at this path; take that one at merge.

console.error('cody-batch worker: this build has no worker (placeholder from the infra branch)');
process.exitCode = 2;
