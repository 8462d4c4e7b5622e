import assert from 'node:assert/strict';
import { ApiError, bearerAuth, CodyBatchClient } from '../common/client';
import { NotConnected, userMessage } from './userMessages';

const local = { kind: 'token' as const, apiUrl: 'http://127.0.0.1:9', local: true };

describe('user messages', () => {
  it('tells the user to start the local stack when it cannot be reached', async () => {
    // A real refused connection: nothing listens on port 9 of 127.0.0.1 here.
    const client = new CodyBatchClient({ baseUrl: 'http://127.0.0.1:9', auth: bearerAuth('x'), timeoutMs: 2000 });
    const error = await client.listJobs().catch((caught: unknown) => caught);
    const message = userMessage(error, 'Refreshing jobs', local);
    assert.equal(
      message.message,
      'Local stack not running (http://127.0.0.1:9): run `npm start`, then Connect to Local Stack.',
    );
    assert.deepEqual(message.steps, ['connectLocal', 'showLog']);
  });

  it('names the next step for a refused token, AWS refusals and a missing connection', () => {
    assert.match(
      userMessage(new ApiError(401, 'UNAUTHORIZED', 'bad token'), 'Refreshing jobs', local).message,
      /token was refused.*Connect to Local Stack again/,
    );
    const aws = { kind: 'aws' as const, apiUrl: 'https://x.execute-api.eu-west-1.amazonaws.com', local: false };
    // API Gateway's own 403 messages, each with the setting to change.
    const refused = (text: string) =>
      userMessage(new ApiError(403, 'HTTP_403', text), 'Cancelling the job', aws).message;
    assert.match(
      refused('Forbidden'),
      /^Cancelling the job failed: .*execute-api:Invoke.*Give people access.*codyBatch\.awsProfile/,
    );
    assert.match(
      refused('The request signature we calculated does not match the signature you provided.'),
      /signature.*secret key of codyBatch\.awsProfile.*clock/,
    );
    assert.match(
      refused('The security token included in the request is invalid.'),
      /unknown or expired.*aws sso login/,
    );
    assert.match(refused('Credential should be scoped to a valid region. '), /Set codyBatch\.awsRegion/);
    assert.deepEqual(
      userMessage(new NotConnected(), 'Creating a job', { kind: undefined, apiUrl: undefined, local: false }).steps,
      ['connectLocal', 'connectAws'],
    );
    assert.equal(
      userMessage(new ApiError(409, 'JOB_FINAL', 'Job x has already finished'), 'Cancelling the job', local).message,
      'Cancelling the job: Job x has already finished.',
    );
  });
});
