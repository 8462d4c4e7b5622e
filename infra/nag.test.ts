import assert from 'node:assert/strict';
import { DEPLOY_ENVIRONMENTS, stackName } from './config';
import { nagAcknowledgments, nagFindings, synthesizeBoth, synthesizeEveryParameter } from './testing';

// AWS's community rules for CDK apps (cdk-nag's AwsSolutions pack), on the stacks `cdk synth` makes.
// A finding is either fixed or acknowledged on the one resource it is about, with a reason a reviewer
// can check; docs/operations.md lists the acknowledgments ("Rule exceptions (cdk-nag)").

/**
 * The wildcard resources left in IAM policies (AwsSolutions-IAM5), by policy. Each is a resource AWS
 * only names as "*", or a name this stack owns followed by identifiers that exist only at run time.
 */
const WILDCARDS = [
  // ecr:GetAuthorizationToken: the registry login is account-wide.
  'Workers/ExecutionRole/DefaultPolicy/Resource: *',
  // batch:DescribeJobs and batch:ListJobs support no resource-level permissions.
  'Api/ApiRole/DefaultPolicy/Resource: *',
  'Api/SweeperRole/DefaultPolicy/Resource: *',
  // Artifact keys jobs/{jobId}/… are made per job.
  'Api/ApiRole/DefaultPolicy/Resource: <DataArtifactsBucketD1663D5D.Arn>/jobs/*',
  // The run role: one job's artifacts, the job its session is tagged with.
  'Workers/RunRole/DefaultPolicy/Resource: <DataArtifactsBucketD1663D5D.Arn>/jobs/<aws:PrincipalTag/jobId>/*',
  // Batch job ids are made by SubmitJob; revisions of the one job definition by each deploy.
  'Api/ApiRole/DefaultPolicy/Resource: arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*',
  'Api/ApiRole/DefaultPolicy/Resource: arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/cody-batch-{env}-job-definition:*',
  // Every stage, method and path of this one API.
  'ApiUsersPolicy/Resource: arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<ApiHttpApi4C294DC0>/*',
];

describe('infra: AWS Solutions rules (cdk-nag)', function () {
  this.timeout(180_000);

  for (const env of DEPLOY_ENVIRONMENTS) {
    describe(stackName(env), () => {
      const stack = () => synthesizeBoth().stacks[env];

      it('reports no finding that is not acknowledged, error or warning', () => {
        const open = nagFindings(stack()).map(
          (finding) => `${finding.severity} ${finding.rule} at ${finding.resource}`,
        );
        assert.deepEqual(open, []);
      });

      it('acknowledges only findings the rules make, each on the resource it is about, with a reason', () => {
        const acknowledgments = nagAcknowledgments(synthesizeBoth().assembly, stack());
        assert.ok(acknowledgments.length > 0, 'the stack records its acknowledgments');
        const findings = new Set(
          nagFindings(stack(), { includeAcknowledged: true }).map(
            (finding) => `${finding.rule} at ${finding.resource}`,
          ),
        );
        for (const { rule, resource, reason } of acknowledgments) {
          assert.ok(findings.has(`${rule} at ${resource}`), `${rule} at ${resource} acknowledges no finding there`);
          assert.match(reason, /\w+ \w+ \w+ \w+ \w+/, `${rule} at ${resource}: a reason, not a word`);
          if (rule.startsWith('AwsSolutions-IAM5')) assert.match(rule, /^AwsSolutions-IAM5\[Resource::.+\]$/);
        }
      });

      it('leaves wildcards in IAM policies only where AWS or run-time identifiers require them', () => {
        const wildcards = nagFindings(stack(), { includeAcknowledged: true })
          .filter((finding) => finding.rule.startsWith('AwsSolutions-IAM5'))
          .map(
            (finding) =>
              `${finding.resource}: ${finding.rule.replace(/^AwsSolutions-IAM5\[Resource::(.*)\]$/, '$1').replaceAll(`cody-batch-${env}-`, 'cody-batch-{env}-')}`,
          );
        assert.deepEqual(wildcards.sort(), [...WILDCARDS].sort());
      });
    });
  }

  it('reports no unacknowledged finding with every parameter set (Bedrock, audit logs in dev)', () => {
    const open = nagFindings(synthesizeEveryParameter().stack).map(
      (finding) => `${finding.severity} ${finding.rule} at ${finding.resource}`,
    );
    assert.deepEqual(open, []);
  });
});
