import assert from 'node:assert/strict';
import { ENV } from '../../common/names';
import { testWorkerEnv } from '../../test/helpers/keys';
import { ConfigError, workerConfigFrom } from './config';

// The worker's settings as its container gives them: the run role it assumes on AWS for its job's
// data (CODY_BATCH_RUN_ROLE_ARN), absent locally.

const BASE = { ...testWorkerEnv(), [ENV.artifacts]: '/tmp/artifacts', [ENV.jobId]: '01abcdefghjkmnpqrstvwxyz00' };

describe('worker config: the run role', () => {
  it('takes the run role to assume on AWS, and none locally', () => {
    const arn = 'arn:aws:iam::123456789012:role/CodyBatch-prod-WorkersRunRole31910651-AbC9';
    assert.equal(workerConfigFrom({ ...BASE, [ENV.runRoleArn]: arn }).runRoleArn, arn);
    assert.equal(
      workerConfigFrom({ ...BASE, [ENV.runRoleArn]: 'arn:aws-us-gov:iam::123456789012:role/path/run' }).runRoleArn,
      'arn:aws-us-gov:iam::123456789012:role/path/run',
    );
    assert.equal(workerConfigFrom(BASE).runRoleArn, undefined);
    assert.equal(workerConfigFrom({ ...BASE, [ENV.runRoleArn]: ' ' }).runRoleArn, undefined);
  });

  it('refuses at start a run role that is no IAM role ARN, saying which variable', () => {
    for (const wrong of [
      'run-role',
      'arn:aws:iam::123:role/short-account',
      'arn:aws:sts::123456789012:assumed-role/x/y',
    ])
      assert.throws(
        () => workerConfigFrom({ ...BASE, [ENV.runRoleArn]: wrong }),
        (error: unknown) =>
          error instanceof ConfigError && /CODY_BATCH_RUN_ROLE_ARN: is not an IAM role ARN/.test(error.message),
        wrong,
      );
  });
});
