import { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import { acknowledgeRule } from '../nag';

// The worker's credentials. The stack creates each secret with a random placeholder; the operator
// puts the real value in (docs/operations.md, "Set the secrets"), so no value is ever in the
// template. With Claude on Bedrock there is no Anthropic key: the worker's role invokes the model.
// Both are issued outside AWS, so Secrets Manager cannot rotate them: the operator does
// (docs/operations.md, "Rotate credentials").
//
// And the chain of custody's keys (backend/store/signing.ts), which Secrets Manager generates and
// nobody ever needs to see: the API's signing key, which only the API Lambda's role may read (the
// workers are given its public key with each SubmitJob), and the workers' seal key, which Batch
// gives the worker containers and the API reads to check what they recorded.

export function secretName(
  env: string,
  what: 'github-token' | 'anthropic-api-key' | 'signing-key' | 'worker-key',
): string {
  return `cody-batch/${env}/${what}`;
}

export class CodyBatchSecrets extends Construct {
  readonly githubToken: secretsmanager.Secret;
  readonly anthropicApiKey?: secretsmanager.Secret;
  /** The API's signing key: read by the API Lambda alone. */
  readonly signingKey: secretsmanager.Secret;
  /** The workers' seal key: the worker containers and the API Lambda. */
  readonly workerKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, config: DeployConfig) {
    super(scope, id);
    const removalPolicy = config.env === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.githubToken = new secretsmanager.Secret(this, 'GithubToken', {
      secretName: secretName(config.env, 'github-token'),
      description:
        'Cody Batch: GitHub token the workers clone, push and open pull requests with. Set it with put-secret-value.',
      removalPolicy,
    });
    acknowledgeRule(
      this.githubToken,
      'SMG4',
      'An external credential: GitHub issues the token (a fine-grained personal access token, in GitHub’s settings), and no rotation Lambda can make a new one. Rotated by hand; docs/operations.md, Rotate credentials, says how.',
    );
    const generated = { passwordLength: 64, excludePunctuation: true };
    this.signingKey = new secretsmanager.Secret(this, 'SigningKey', {
      secretName: secretName(config.env, 'signing-key'),
      description:
        'Cody Batch: what the API’s Ed25519 signing key is made from (generated; only the API Lambda reads it). Rotate with put-secret-value.',
      generateSecretString: generated,
      removalPolicy,
    });
    acknowledgeRule(
      this.signingKey,
      'SMG4',
      'Rotated by putting a new random value (docs/operations.md, Rotating the signing key): the API trusts the previous version (AWSPREVIOUS) until the next rotation, so what it signed before keeps verifying. A rotation Lambda would add a function with write access to the key and nothing the manual put-secret-value does not do.',
    );
    this.workerKey = new secretsmanager.Secret(this, 'WorkerKey', {
      secretName: secretName(config.env, 'worker-key'),
      description:
        'Cody Batch: the key workers seal what they record with (generated; the workers and the API read it). Rotate with put-secret-value.',
      generateSecretString: generated,
      removalPolicy,
    });
    acknowledgeRule(
      this.workerKey,
      'SMG4',
      'Rotated by putting a new random value (docs/operations.md, Rotating the signing key): the API checks seals with the previous version (AWSPREVIOUS) too. A rotation Lambda would add a function with write access to the key and nothing the manual put-secret-value does not do.',
    );
    if (config.claudeProvider === 'anthropic') {
      this.anthropicApiKey = new secretsmanager.Secret(this, 'AnthropicApiKey', {
        secretName: secretName(config.env, 'anthropic-api-key'),
        description: 'Cody Batch: Anthropic API key for Claude. Set it with put-secret-value.',
        removalPolicy,
      });
      acknowledgeRule(
        this.anthropicApiKey,
        'SMG4',
        'An external credential: Anthropic issues API keys in its console, and no rotation Lambda can make a new one. Rotated by hand; docs/operations.md, Rotate credentials, says how.',
      );
    }
  }
}
