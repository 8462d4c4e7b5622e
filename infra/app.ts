import { App } from 'aws-cdk-lib';
import { addStacks } from './stack';

// The CDK app, run by the cdk CLI through cdk.json (`npm run synth`, `npm run deploy -- -c env=dev`).
// `-c env=dev` (or prod) synthesizes that environment's stack, CodyBatch-{env}; without it, both.
addStacks(new App());
