import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { describeEachEnvironment, type Json, namedResource, render, resourcesOf } from './testing';

// The web app on AWS as the templates define it: a private bucket only the distribution reads
// (Origin Access Control), a distribution that speaks HTTPS only with security headers and falls
// back to index.html, a user pool with invitation-only accounts and MFA, and the web API: the same
// Lambda behind a JWT authorizer on every route, CORS for the distribution's origin alone. The IAM
// API keeps IAM on its routes.

describe('infra: the web app (S3, CloudFront, Cognito, the web API)', function () {
  this.timeout(120_000);
  describeEachEnvironment((env, template) => {
    const bucket = () => namedResource(template(), 'AWS::S3::Bucket', 'BucketName', `cody-batch-${env}-frontend`);
    const distribution = () => {
      const all = Object.entries(resourcesOf(template(), 'AWS::CloudFront::Distribution'));
      assert.equal(all.length, 1);
      return all[0]!;
    };
    const config = () => distribution()[1].Properties!.DistributionConfig as Record<string, any>;

    it('keeps the frontend bucket private: no public access, TLS only, readable by the distribution alone', () => {
      const [bucketId, resource] = bucket();
      assert.deepEqual(resource.Properties!.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policies = Object.values(resourcesOf(template(), 'AWS::S3::BucketPolicy')).filter(
        (policy) => (policy.Properties!.Bucket as { Ref?: string }).Ref === bucketId,
      );
      assert.equal(policies.length, 1);
      const statements = (policies[0]!.Properties!.PolicyDocument as { Statement: Record<string, any>[] }).Statement;
      const allows = statements.filter((statement) => statement.Effect === 'Allow');
      // Only CloudFront, only GetObject, and only for this distribution.
      assert.deepEqual(
        allows.map((statement) => [statement.Principal, statement.Action]),
        [[{ Service: 'cloudfront.amazonaws.com' }, 's3:GetObject']],
      );
      const sourceArn = render(allows[0]!.Condition.StringEquals['AWS:SourceArn'] as Json);
      assert.match(sourceArn, new RegExp(`distribution/\\$\\{${distribution()[0]}\\}$`));
      assert.ok(
        statements.some(
          (statement) => statement.Effect === 'Deny' && statement.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ),
        'TLS only',
      );
    });

    it('reads the bucket through Origin Access Control (SigV4, always), not a public website', () => {
      template().hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
        OriginAccessControlConfig: Match.objectLike({
          OriginAccessControlOriginType: 's3',
          SigningBehavior: 'always',
          SigningProtocol: 'sigv4',
        }),
      });
      const [origin] = config().Origins as Record<string, any>[];
      assert.ok(origin!.OriginAccessControlId, 'the origin uses the OAC');
      assert.deepEqual(origin!.S3OriginConfig, { OriginAccessIdentity: '' });
    });

    it('serves HTTPS only, with security headers, and index.html for any unknown path', () => {
      assert.equal(config().Comment, `cody-batch-${env}-cf`);
      assert.equal(config().DefaultRootObject, 'index.html');
      assert.equal(config().DefaultCacheBehavior.ViewerProtocolPolicy, 'https-only');
      assert.deepEqual(
        (config().CustomErrorResponses as Record<string, unknown>[]).map((response) => [
          response.ErrorCode,
          response.ResponseCode,
          response.ResponsePagePath,
        ]),
        [
          [403, 200, '/index.html'],
          [404, 200, '/index.html'],
        ],
      );
      const policyId = (config().DefaultCacheBehavior.ResponseHeadersPolicyId as { Ref: string }).Ref;
      const headers = resourcesOf(template(), 'AWS::CloudFront::ResponseHeadersPolicy')[policyId]!.Properties!
        .ResponseHeadersPolicyConfig as Record<string, any>;
      const security = headers.SecurityHeadersConfig;
      const csp = render(security.ContentSecurityPolicy.ContentSecurityPolicy as Json);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self';/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(security.FrameOptions.FrameOption, 'DENY');
      assert.equal(security.ContentTypeOptions.Override, true);
      assert.equal(security.ReferrerPolicy.ReferrerPolicy, 'no-referrer');
      assert.ok(security.StrictTransportSecurity.AccessControlMaxAgeSec >= 31_536_000);
    });

    it('signs people in with a user pool: invitation only, MFA, a public client with the code flow', () => {
      template().hasResourceProperties('AWS::Cognito::UserPool', {
        UserPoolName: `cody-batch-${env}-users`,
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
      });
      template().hasResourceProperties('AWS::Cognito::UserPoolClient', {
        ClientName: `cody-batch-${env}-web`,
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
      });
      const client = Object.values(resourcesOf(template(), 'AWS::Cognito::UserPoolClient'))[0]!.Properties!;
      assert.deepEqual(
        (client.CallbackURLs as Json[]).map(render),
        [`https://\${${distribution()[0]}.DomainName}/`],
        'Cognito sends the code back to the web app only',
      );
    });

    it('puts a JWT authorizer (the user pool) on every route of the web API, and IAM on the other API’s', () => {
      const [webApiId] = namedResource(template(), 'AWS::ApiGatewayV2::Api', 'Name', `cody-batch-${env}-web-api`);
      const [iamApiId] = namedResource(template(), 'AWS::ApiGatewayV2::Api', 'Name', `cody-batch-${env}-api`);
      const authorizers = Object.entries(resourcesOf(template(), 'AWS::ApiGatewayV2::Authorizer'));
      assert.equal(authorizers.length, 1);
      const [authorizerId, authorizer] = authorizers[0]!;
      const properties = authorizer.Properties as Record<string, any>;
      assert.equal(properties.AuthorizerType, 'JWT');
      assert.deepEqual(properties.ApiId, { Ref: webApiId });
      assert.deepEqual(properties.IdentitySource, ['$request.header.Authorization']);
      assert.match(
        render(properties.JwtConfiguration.Issuer as Json),
        /^https:\/\/cognito-idp\.\$\{AWS::Region\}\.amazonaws\.com\/\$\{FrontendUsers\w+\}$/,
      );
      assert.equal(properties.JwtConfiguration.Audience.length, 1);

      const routes = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route')).map(
        (route) => route.Properties as Record<string, any>,
      );
      const webRoutes = routes.filter((route) => route.ApiId.Ref === webApiId);
      assert.deepEqual(webRoutes.map((route) => route.RouteKey).sort(), [
        'DELETE /{proxy+}',
        'GET /{proxy+}',
        'POST /{proxy+}',
        'PUT /{proxy+}',
      ]);
      for (const route of webRoutes) {
        assert.equal(route.AuthorizationType, 'JWT', route.RouteKey);
        assert.deepEqual(route.AuthorizerId, { Ref: authorizerId });
      }
      const iamRoutes = routes.filter((route) => route.ApiId.Ref === iamApiId);
      assert.equal(
        iamRoutes.find((route) => route.RouteKey === 'ANY /{proxy+}')?.AuthorizationType,
        'AWS_IAM',
        'the CLI and the extension keep signing with IAM',
      );
    });

    it('opens CORS on the web API to the distribution’s origin only, without credentials; not on the IAM API', () => {
      const web = namedResource(template(), 'AWS::ApiGatewayV2::Api', 'Name', `cody-batch-${env}-web-api`)[1];
      const cors = web.Properties!.CorsConfiguration as Record<string, any>;
      assert.deepEqual((cors.AllowOrigins as Json[]).map(render), [`https://\${${distribution()[0]}.DomainName}`]);
      assert.equal(cors.AllowCredentials, false);
      const iam = namedResource(template(), 'AWS::ApiGatewayV2::Api', 'Name', `cody-batch-${env}-api`)[1];
      assert.equal(iam.Properties!.CorsConfiguration, undefined);
    });
  });
});
