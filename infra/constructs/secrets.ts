import { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../common/names';
import type { DeployConfig } from '../config';
import { acknowledgeRule } from '../nag';

// The worker's credentials. The stack creates each secret with a random placeholder; the operator
// puts the real value in (docs/operations.md, "Set the secrets"), so no value is ever in the
// template. With Claude on Bedrock there is no Anthropic key: the worker's role invokes the model.
// The code host's credential is one of three, as the stack's host says: a GitHub token, a GitHub
// App's private key, or a GitLab token. All are issued outside AWS, so Secrets Manager cannot
// rotate them: the operator does (docs/operations.md, "Rotate credentials").
//
// And the chain of custody's keys (backend/store/signing.ts), which Secrets Manager generates and
// nobody ever needs to see: the API's signing key, which only the API Lambda's role may read (the
// workers are given its public key with each SubmitJob), and the workers' seal key, which Batch
// gives the worker containers and the API reads to check what they recorded.

export type SecretWhat =
  | 'github-token'
  | 'github-app-private-key'
  | 'gitlab-token'
  | 'anthropic-api-key'
  | 'signing-key'
  | 'worker-key';

export function secretName(env: string, what: SecretWhat): string {
  return `cody-batch/${env}/${what}`;
}

/** The code host's credential: which secret, which variable the worker reads it as, which the Lambdas read its ARN from. */
export interface HostCredential {
  id: string;
  what: SecretWhat;
  /** The worker's variable (a Batch secret). */
  variable: string;
  /** The Lambdas' variable holding the secret's ARN. */
  secretVariable: string;
  description: string;
  /** Why Secrets Manager does not rotate it (cdk-nag's SMG4). */
  notRotated: string;
}

export function hostCredentialOf(config: Pick<DeployConfig, 'codeHost' | 'githubAppId'>): HostCredential {
  if (config.codeHost === 'gitlab')
    return {
      id: 'GitlabToken',
      what: 'gitlab-token',
      variable: ENV.gitlabToken,
      secretVariable: ENV.gitlabTokenSecret,
      description:
        'Cody Batch: GitLab token (api and write_repository scopes) the workers clone, push and open merge requests with. Set it with put-secret-value.',
      notRotated:
        'An external credential: GitLab issues the token (a group or project access token, or a ' +
        'personal one), and no rotation Lambda can make a new one. Rotated by hand; ' +
        'docs/operations.md, Rotate credentials, says how.',
    };
  if (config.githubAppId)
    return {
      id: 'GithubAppKey',
      what: 'github-app-private-key',
      variable: ENV.githubAppPrivateKey,
      secretVariable: ENV.githubAppKeySecret,
      description:
        'Cody Batch: the GitHub App’s private key (PEM), from which short-lived installation tokens are made. Set it with put-secret-value.',
      notRotated:
        'An external credential: GitHub generates the App’s private keys in the App’s settings, ' +
        'and no rotation Lambda can make a new one. Rotated by hand; docs/operations.md, Rotate ' +
        'credentials, says how.',
    };
  return {
    id: 'GithubToken',
    what: 'github-token',
    variable: ENV.githubToken,
    secretVariable: ENV.githubTokenSecret,
    description:
      'Cody Batch: GitHub token the workers clone, push and open pull requests with. Set it with put-secret-value.',
    notRotated:
      'An external credential: GitHub issues the token (a fine-grained personal access token, ' +
      'in GitHub’s settings), and no rotation Lambda can make a new one. Rotated by hand; ' +
      'docs/operations.md, Rotate credentials, says how.',
  };
}

export class CodyBatchSecrets extends Construct {
  /** The code host's credential, as `hostCredential` says which. */
  readonly hostToken: secretsmanager.Secret;
  readonly hostCredential: HostCredential;
  readonly anthropicApiKey?: secretsmanager.Secret;
  /** The API's signing key: read by the API Lambda alone. */
  readonly signingKey: secretsmanager.Secret;
  /** The workers' seal key: the worker containers and the API Lambda. */
  readonly workerKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, config: DeployConfig) {
    super(scope, id);
    const removalPolicy = config.env === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.hostCredential = hostCredentialOf(config);
    this.hostToken = new secretsmanager.Secret(this, this.hostCredential.id, {
      secretName: secretName(config.env, this.hostCredential.what),
      description: this.hostCredential.description,
      removalPolicy,
    });
    acknowledgeRule(this.hostToken, 'SMG4', this.hostCredential.notRotated);
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
      'Rotated by putting a new random value (docs/operations.md, Rotating the signing key): ' +
        'the API trusts the previous version (AWSPREVIOUS) until the next rotation, so what it ' +
        'signed before keeps verifying. A rotation Lambda would add a function with write access ' +
        'to the key and nothing the manual put-secret-value does not do.',
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
      'Rotated by putting a new random value (docs/operations.md, Rotating the signing key): ' +
        'the API checks seals with the previous version (AWSPREVIOUS) too. A rotation Lambda ' +
        'would add a function with write access to the key and nothing the manual ' +
        'put-secret-value does not do.',
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
        'An external credential: Anthropic issues API keys in its console, and no rotation ' +
          'Lambda can make a new one. Rotated by hand; docs/operations.md, Rotate credentials, says how.',
      );
    }
  }
}
