import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

// Exceptions to AWS's community rules for CDK apps (cdk-nag, AwsSolutions pack; infra/nag.test.ts
// runs them). Each acknowledges one finding on the one CloudFormation resource it is about, with the
// reason a reviewer can check; docs/operations.md, "Rule exceptions (cdk-nag)", lists them all.

/** The CloudFormation resource `scope` is, or the one it is built around. */
function cfnResourceOf(scope: IConstruct): CfnResource {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource))
    throw new Error(`${scope.node.path}: no CloudFormation resource to acknowledge a rule on`);
  return resource;
}

/** Acknowledges AwsSolutions rule `rule` (e.g. `S1`) on the resource of `scope`, for `reason`. */
export function acknowledgeRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(cfnResourceOf(scope)).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/**
 * Acknowledges the wildcard in `resource` (an ARN, token or not) where `policyHolder` grants it:
 * the role's default policy or the managed policy. One finding, AwsSolutions-IAM5[Resource::…],
 * named as cdk-nag names it: any other wildcard resource in that policy is still a finding. (Another
 * action on the same resource is not, which is why infra/iam.test.ts lists the actions allowed on "*".)
 */
export function acknowledgeWildcard(policyHolder: iam.Role | iam.ManagedPolicy, resource: string, reason: string) {
  const policy = policyHolder instanceof iam.Role ? policyHolder.node.tryFindChild('DefaultPolicy') : policyHolder;
  if (!policy) throw new Error(`${policyHolder.node.path}: grant ${resource} before acknowledging its wildcard`);
  const flattened = flattenCfnReference(Stack.of(policyHolder).resolve(resource));
  Validations.of(cfnResourceOf(policy)).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flattened}]`, reason });
}
