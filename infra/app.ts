import { App } from 'aws-cdk-lib';
import { ConfigError } from './config';
import { addStacks } from './stack';

// The CDK app, run by the cdk CLI through cdk.json (`npm run synth`, `npm run deploy -- -c env=dev`).
// `-c env=dev` (or prod) synthesizes that environment's stack, CodyBatch-{env}; without it, both.
try {
  addStacks(new App());
} catch (error) {
  // A wrong parameter is the operator's to fix: say which, without a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
