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

export function secretName(env: string, what: 'github-token' | 'anthropic-api-key'): string {
  return `cody-batch/${env}/${what}`;
}

export class CodyBatchSecrets extends Construct {
  readonly githubToken: secretsmanager.Secret;
  readonly anthropicApiKey?: secretsmanager.Secret;

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
