import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import S3rver from 's3rver';
import { startDynamo, type RunningDynamo } from '../backend/local/dynamodb';
import { S3ArtifactStore } from '../backend/store/artifacts';
import { ensureTables } from '../backend/store/dynamo';
import { Store } from '../backend/store/store';
import { tableNamesFor } from '../backend/store/tables';
import { ENV } from '../common/names';
import { type FakeSts, startFakeSts } from './fakes/stsServer';
import { createGitHosting, type GitHosting } from './helpers/git';
import { newJob, sampleJob } from './helpers/jobs';
import { testKeys, testWorkerEnv } from './helpers/keys';
import { makeTempDir, REPO_ROOT } from './helpers/localStack';

// Issue 24: on AWS a worker's own role reaches no data; the worker assumes the run role with the
// session tag jobId, and signs every table and artifact call with that session. Here the worker
// bundle runs as on AWS Batch (its secrets and settings in its environment, CODY_BATCH_RUN_ROLE_ARN
// set) against loopback stand-ins: STS (the SDK's client, through AWS_ENDPOINT_URL_STS), a DynamoDB
// (dynalite) that accepts only requests signed with the credentials STS handed out, and S3 (s3rver)
// behind a proxy that records who signed each call. What IAM then allows each session is not
// testable here: the CDK template tests check the run role's policies and tag conditions.

const BASE = { accessKeyId: 'AKIAWORKERJOBROLE000', secretAccessKey: 'the-job-roles-own-secret' };
const RUN = {
  accessKeyId: 'ASIARUNROLESESSION00',
  secretAccessKey: 'the-run-sessions-secret',
  sessionToken: 'run-token',
};
const RUN_ROLE_ARN = 'arn:aws:iam::123456789012:role/cody-batch-dev-run';
const BUCKET = 'cody-batch-scope-artifacts';

/** s3rver's one account: it refuses a key id it does not hold (it checks no SigV4 signature). */
const s3rverAccount = (
  createRequire(__filename)('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
  }
).DUMMY_ACCOUNT;

describe('worker on AWS: its job-scoped session (the run role, tagged with the job)', function () {
  this.timeout(120_000);
  let sts: FakeSts;
  let dynamo: RunningDynamo;
  let store: Store;
  let s3: S3rver;
  let s3Directory: string;
  let proxy: http.Server;
  let proxyUrl: string;
  const s3Calls: { method: string; path: string; signedBy?: string }[] = [];
  let hosting: GitHosting;

  before(async () => {
    sts = await startFakeSts(RUN);
    // The DynamoDB accepts the run session's signature alone, as IAM would the run role's alone.
    dynamo = await startDynamo({ hostname: '127.0.0.1', port: 0, credentials: RUN });
    store = Store.connect({ endpoint: dynamo.endpoint, tables: tableNamesFor('scope'), credentials: RUN });
    await ensureTables(store.doc, store.tables);
    s3Directory = await makeTempDir('cody-batch-scope-s3-');
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3Directory,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port: s3Port } = await s3.run();
    // The run session's key, and not the job role's: an artifact call signed with the latter is refused.
    s3rverAccount.createKeyPair(RUN.accessKeyId, RUN.secretAccessKey);
    proxy = http.createServer((request, response) => {
      s3Calls.push({
        method: request.method ?? '',
        path: request.url ?? '',
        signedBy: /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1],
      });
      const forward = http.request(
        { host: '127.0.0.1', port: s3Port, method: request.method, path: request.url, headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      request.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    hosting = await createGitHosting();
    await hosting.create('acme/one', { 'README.md': '# one\n' });
  });
  after(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await s3?.close();
    s3rverAccount.revokeAccessKey(RUN.accessKeyId);
    await rm(s3Directory, { recursive: true, force: true });
    await dynamo?.close();
    await sts?.close();
    await hosting?.dispose();
  });

  it('assumes the run role tagged with its job, and signs every table and artifact call with that session', async () => {
    const job = sampleJob({ prompt: undefined, command: 'echo changed >> README.md', repositories: ['acme/one'] });
    await store.createJob(newJob(job, testKeys().signer));
    const outcome = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [`${REPO_ROOT}/dist/worker.js`], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          // As in the Batch container: the job role's credentials, the job, the run role to assume.
          AWS_ACCESS_KEY_ID: BASE.accessKeyId,
          AWS_SECRET_ACCESS_KEY: BASE.secretAccessKey,
          AWS_REGION: 'eu-west-1',
          AWS_ENDPOINT_URL_STS: sts.url,
          AWS_ENDPOINT_URL_S3: proxyUrl,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          [ENV.env]: 'scope',
          [ENV.dynamodbEndpoint]: dynamo.endpoint,
          [ENV.artifacts]: `s3://${BUCKET}`,
          [ENV.jobId]: job.jobId,
          [ENV.repositoryIndex]: '0',
          [ENV.gitBase]: hosting.gitBase,
          [ENV.runRoleArn]: RUN_ROLE_ARN,
          // The API's public keys and the seal key, as Batch gives them.
          ...testWorkerEnv(),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('exit', (code) => resolve({ code, output }));
    });
    assert.equal(outcome.code, 0, outcome.output);
    const row = await store.repositories.get(job.jobId, 'acme/one');
    assert.equal(row?.status, 'COMPLETED', JSON.stringify(row?.error));

    // One AssumeRole, by the job role, for the run role, with the job as the only session tag.
    assert.ok(sts.requests.length >= 1);
    for (const request of sts.requests) {
      assert.equal(request.signedBy, BASE.accessKeyId, 'asked with the worker’s own credentials');
      assert.equal(request.params.Action, 'AssumeRole');
      assert.equal(request.params.RoleArn, RUN_ROLE_ARN);
      assert.equal(request.params['Tags.member.1.Key'], 'jobId');
      assert.equal(request.params['Tags.member.1.Value'], job.jobId);
      assert.equal(request.params['Tags.member.2.Key'], undefined, 'no other tag');
      assert.match(request.params.RoleSessionName!, new RegExp(`^cody-batch-${job.jobId}-change-0$`));
    }
    // Every artifact call was the run session's, under the job's own prefix.
    assert.ok(s3Calls.length >= 3, 'the diff, the log and the thread at least');
    for (const call of s3Calls) {
      assert.equal(call.signedBy, RUN.accessKeyId, `${call.method} ${call.path}`);
      assert.ok(call.path.startsWith(`/${BUCKET}/jobs/${job.jobId}/`), `${call.method} ${call.path}`);
    }
    const patch = await new S3ArtifactStore({ bucket: BUCKET, endpoint: proxyUrl, credentials: async () => RUN }).get(
      `jobs/${job.jobId}/acme/one/diff.patch`,
    );
    assert.match(patch!.body.toString('utf8'), /^\+changed$/m);
  });
});
