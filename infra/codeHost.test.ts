import assert from 'node:assert/strict';
import { ENV } from '../common/names';
import { resolveConfig } from './config';
import {
  CODE_HOST_VARIANTS,
  type Json,
  namedResource,
  nagFindings,
  policyStatements,
  render,
  resourcesOf,
  synthesizeCodeHost,
} from './testing';

// One code host per stack, and its credential: GitLab's token or a GitHub App's private key instead
// of GitHub's token. Each is a secret the workers get from Batch and the API and sweeper read with
// their own role (its ARN in their environment, never the value), the only secret they may read;
// cdk-nag stays green.

const EXPECTED = {
  gitlab: {
    secret: 'cody-batch/dev/gitlab-token',
    variable: ENV.gitlabToken,
    secretVariable: ENV.gitlabTokenSecret,
    told: { [ENV.codeHost]: 'gitlab', [ENV.gitlabUrl]: 'https://gitlab.example.com' },
  },
  app: {
    secret: 'cody-batch/dev/github-app-private-key',
    variable: ENV.githubAppPrivateKey,
    secretVariable: ENV.githubAppKeySecret,
    told: { [ENV.githubAppId]: '90210' },
  },
} as const;

describe('infra: the code host’s credential', function () {
  this.timeout(180_000);
  for (const variant of Object.keys(CODE_HOST_VARIANTS) as (keyof typeof CODE_HOST_VARIANTS)[]) {
    describe(variant, () => {
      const expected = EXPECTED[variant];
      const template = () => synthesizeCodeHost(variant).template;

      it('creates its one secret, hands it to the workers by name, and tells every part which host', () => {
        const secrets = Object.values(resourcesOf(template(), 'AWS::SecretsManager::Secret')).map(
          (secret) => secret.Properties!.Name,
        );
        // Its credential instead of GitHub's token; the chain of custody's two keys as ever.
        assert.deepEqual(
          secrets.sort(),
          [
            'cody-batch/dev/anthropic-api-key',
            expected.secret,
            'cody-batch/dev/signing-key',
            'cody-batch/dev/worker-key',
          ].sort(),
        );
        const container = Object.values(resourcesOf(template(), 'AWS::Batch::JobDefinition'))[0]!.Properties!
          .ContainerProperties as Record<string, Json>;
        assert.deepEqual(
          (container.Secrets as { Name: string }[]).map((secret) => secret.Name).sort(),
          [ENV.anthropicApiKey, expected.variable, ENV.workerKey].sort(),
        );
        const environment = Object.fromEntries(
          (container.Environment as { Name: string; Value: Json }[]).map((v) => [v.Name, render(v.Value)]),
        );
        for (const [name, value] of Object.entries(expected.told)) assert.equal(environment[name], value, name);
        assert.equal(environment[ENV.githubToken], undefined);
      });

      it('lets the API and the sweeper read that credential, by its ARN, never its value (and the API its custody keys)', () => {
        const secretId = (name: string) => namedResource(template(), 'AWS::SecretsManager::Secret', 'Name', name)[0];
        const custody = ['cody-batch/dev/signing-key', 'cody-batch/dev/worker-key'].map(
          (name) => `\${${secretId(name)}}`,
        );
        for (const name of ['cody-batch-dev-api', 'cody-batch-dev-sweeper']) {
          const [, lambda] = namedResource(template(), 'AWS::Lambda::Function', 'FunctionName', name);
          const variables = (lambda.Properties!.Environment as { Variables: Record<string, Json> }).Variables;
          assert.deepEqual(variables[expected.secretVariable], { Ref: secretId(expected.secret) }, name);
          for (const credential of [ENV.githubToken, ENV.gitlabToken, ENV.githubAppPrivateKey])
            assert.equal(variables[credential], undefined, `${name} holds no credential: ${credential}`);
          for (const other of [ENV.githubTokenSecret, ENV.gitlabTokenSecret, ENV.githubAppKeySecret])
            if (other !== expected.secretVariable) assert.equal(variables[other], undefined, `${name}: ${other}`);
          for (const [told, value] of Object.entries(expected.told)) assert.equal(variables[told], value, told);
          const role = render(lambda.Properties!.Role!).replace(/^\$\{(\w+)\.Arn\}$/, '$1');
          const attached = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy'))
            .filter(([, policy]) => (policy.Properties!.Roles as Json[]).some((r) => render(r) === `\${${role}}`))
            .map(([id]) => id);
          const reads = policyStatements(template()).filter(
            (statement) =>
              attached.some((id) => statement.where.startsWith(`${id} `)) &&
              statement.actions.some((action) => action.startsWith('secretsmanager:')),
          );
          assert.deepEqual(
            reads.map((statement) => statement.resources),
            [[`\${${secretId(expected.secret)}}`], ...(name.endsWith('-api') ? [custody] : [])],
            name,
          );
        }
      });

      it('reports no unacknowledged cdk-nag finding', () => {
        assert.deepEqual(nagFindings(synthesizeCodeHost(variant).stack), []);
      });
    });
  }

  it('refuses parameters of the other host', () => {
    const context = (values: Record<string, string>) => (key: string) => values[key];
    assert.throws(
      () => resolveConfig('dev', context({ codeHost: 'gitlab', githubAppId: '1' })),
      /githubAppId: is for codeHost=github, and codeHost is gitlab/,
    );
    assert.throws(
      () => resolveConfig('dev', context({ gitlabUrl: 'https://gitlab.example.com' })),
      /gitlabUrl: is for codeHost=gitlab, and codeHost is github/,
    );
    assert.throws(() => resolveConfig('dev', context({ codeHost: 'bitbucket' })), /codeHost: must be github or gitlab/);
  });
});
