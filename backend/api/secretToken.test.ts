import assert from 'node:assert/strict';
import { type FakeGitHub, startFakeGitHub } from '../../test/fakes/githubServer';
import { type FakeSigV4Server, startFakeSigV4Server } from '../../test/fakes/sigv4Server';
import { codeHostWithSecretToken, readSecretString } from './secretToken';
import { RepositoryQuery } from '../../common/schemas';
import { appKeyPair } from '../../test/fakes/githubApp';
import { startFakeGitLab } from '../../test/fakes/gitlabServer';
import { createGitHosting } from '../../test/helpers/git';
import { pullRequestsOf } from '../hosts';

// The Lambdas' GitHub token, read from Secrets Manager with their own role: a loopback Secrets
// Manager recomputes every SigV4 signature (service `secretsmanager`) and answers GetSecretValue;
// the host built with it then talks to the loopback GitHub with that token.

const GITHUB_TOKEN = 'ghp_FAKEgithubTOKENinSecretsManager01234567';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cody-batch/dev/github-token-AbCdEf';
const GITLAB_TOKEN = 'glpat-FAKEgitlabTOKENinSecretsMgr01';
const GITLAB_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cody-batch/dev/gitlab-token-AbCdEf';
const APP_KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cody-batch/dev/github-app-key-AbCdEf';
const APP_KEYS = appKeyPair();
const STORED: Record<string, string> = {
  [SECRET_ARN]: GITHUB_TOKEN,
  [GITLAB_ARN]: GITLAB_TOKEN,
  [APP_KEY_ARN]: APP_KEYS.privateKey,
};
const IDENTITY = {
  accessKeyId: 'ASIAFAKELAMBDAROLE000',
  secretAccessKey: 'FAKEsecretOFtheLAMBDArole/0123456789abcd',
  sessionToken: 'FAKEsessionTOKENofTHElambda',
};

describe('the Lambdas’ GitHub token from Secrets Manager', () => {
  let secrets: FakeSigV4Server;
  let github: FakeGitHub;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    secrets = await startFakeSigV4Server(
      [IDENTITY],
      (request) => {
        const { SecretId } = JSON.parse(request.body) as { SecretId: string };
        const value = STORED[SecretId];
        if (value === undefined)
          return {
            status: 400,
            body: { __type: 'ResourceNotFoundException', message: 'Secrets Manager can’t find the specified secret.' },
          };
        return { status: 200, body: { ARN: SecretId, Name: SecretId.split(':').at(-1), SecretString: value } };
      },
      'secretsmanager',
    );
    github = await startFakeGitHub({ token: GITHUB_TOKEN });
    env = {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: IDENTITY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: IDENTITY.secretAccessKey,
      AWS_SESSION_TOKEN: IDENTITY.sessionToken,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      GITHUB_API_URL: github.url,
      CODY_BATCH_GIT_BASE: 'https://github.example.com/{owner}/{name}.git',
      CODY_BATCH_GITHUB_TOKEN_SECRET: SECRET_ARN,
    };
  });
  after(async () => {
    await secrets?.close();
    await github?.close();
  });

  it('reads it with a verified signature and follows pull requests with it', async () => {
    assert.equal(await readSecretString(SECRET_ARN, env), GITHUB_TOKEN);
    assert.equal(secrets.requests.at(-1)!.signedBy, IDENTITY.accessKeyId);
    const pull = github.addPull({ owner: 'acme', repo: 'alpha', head: 'b' });
    const host = await codeHostWithSecretToken(env);
    const statuses = await pullRequestsOf(host).pullRequestStatuses([
      { repositoryName: 'acme/alpha', number: pull.number },
    ]);
    assert.equal(statuses.size, 1);
    assert.ok(github.requests.every((request) => request.authorization === `token ${GITHUB_TOKEN}`));
    assert.equal(env.GITHUB_TOKEN, undefined, 'the token never joins the environment');
  });

  it('reads a GitLab token, or a GitHub App’s key, as the stack’s host says', async () => {
    const hosting = await createGitHosting();
    await hosting.create('acme/platform/api', { 'a.txt': 'a\n' });
    const gitlab = await startFakeGitLab({
      token: GITLAB_TOKEN,
      root: hosting.root,
      projects: [{ path: 'acme/platform/api' }],
    });
    const appGitHub = await startFakeGitHub({
      token: GITHUB_TOKEN,
      repositories: [{ fullName: 'acme/alpha' }],
      app: { id: '77', publicKey: APP_KEYS.publicKey, installations: [{ id: 1, account: 'acme' }] },
    });
    try {
      const base = { ...env, CODY_BATCH_GITHUB_TOKEN_SECRET: undefined };
      const onGitLab = await codeHostWithSecretToken({
        ...base,
        CODY_BATCH_CODE_HOST: 'gitlab',
        GITLAB_URL: gitlab.url,
        CODY_BATCH_GIT_BASE: undefined,
        CODY_BATCH_GITLAB_TOKEN_SECRET: GITLAB_ARN,
      });
      const found = await onGitLab.resolveQuery(RepositoryQuery.parse({ owners: ['acme'] }));
      assert.deepEqual(found.repositories, ['acme/platform/api']);
      assert.ok(gitlab.requests.every((request) => request.authorization === `Bearer ${GITLAB_TOKEN}`));

      const asApp = await codeHostWithSecretToken({
        ...base,
        GITHUB_API_URL: appGitHub.url,
        GITHUB_APP_ID: '77',
        CODY_BATCH_GITHUB_APP_KEY_SECRET: APP_KEY_ARN,
      });
      const owned = await asApp.resolveQuery(RepositoryQuery.parse({ owners: ['acme'] }));
      assert.deepEqual(owned.repositories, ['acme/alpha']);
      assert.equal(appGitHub.app!.issued.length, 1, 'an installation token, from the key read');
    } finally {
      await appGitHub.close();
      await gitlab.close();
      await hosting.dispose();
    }
  });

  it('says what went wrong without the secret: a refused read, or no credentials', async () => {
    await assert.rejects(readSecretString('arn:aws:secretsmanager:eu-west-1:1:secret:other', env), /HTTP 400/);
    await assert.rejects(
      readSecretString(SECRET_ARN, { ...env, AWS_SECRET_ACCESS_KEY: 'wrong/secret/key/00000000000000000000' }),
      /HTTP 403.*signature/,
    );
    await assert.rejects(readSecretString(SECRET_ARN, { AWS_REGION: 'eu-west-1' }), /region and credentials/);
  });
});
