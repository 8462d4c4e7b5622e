// Loaded by mocha before any test: the AWS SDK's Node 20 notice is known and only clutters output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The command sandbox's tests (npm run test:sandbox, `*.sandbox.test.ts`) set it themselves; every
// other suite runs commands without it, so that what they check does not depend on whether this
// machine has bubblewrap (CODY_BATCH_SANDBOX=auto would use it where it is installed).
process.env.CODY_BATCH_SANDBOX = 'off';
