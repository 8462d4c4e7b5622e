// Loaded after test/setup.ts by the sandbox suite (npm run test:sandbox): its stacks and workers
// run commands in the sandbox, and a stack that cannot start it refuses every job with a command
// instead of running it unsandboxed.
process.env.CODY_BATCH_SANDBOX = 'require';
