import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FAILED_VERIFICATION_HEADER } from '../../common/names';
import { resourceName, type DeployConfig } from '../config';
import { acknowledgeRule } from '../nag';
import type { CodyBatchApi } from './api';
import type { CodyBatchData } from './data';
import { httpStage } from './httpStage';

// The web app on AWS: its files in a private bucket (cody-batch-{env}-frontend) that only the
// distribution (cody-batch-{env}-cf) reads, through Origin Access Control; HTTPS only, security
// headers on every answer, and any unknown path answered with index.html (the app routes in the
// fragment, but a pasted address must never be an S3 error page).
//
// People sign in with the user pool's hosted sign-in (code flow with PKCE, no client secret in a
// page). Their tokens go to a second HTTP API, cody-batch-{env}-web-api: the same routes and the
// same API Lambda as the IAM one, with a JWT authorizer, and CORS open to the distribution's origin
// only. The IAM API (CLI, extension) is untouched and stays CORS-closed. The files themselves are
// uploaded by `npm run deploy:web` (infra/deployWeb.ts), which also writes config.json from the
// stack's outputs and invalidates the distribution. Inside the Lambda the owner
// is the IAM caller's ARN or `cognito:{sub}` (backend/api/middleware/auth.ts), so each person sees
// only their own jobs whichever client they use.

export interface CodyBatchFrontendProps {
  config: DeployConfig;
  data: CodyBatchData;
  api: CodyBatchApi;
  logRetention: logs.RetentionDays;
}

export class CodyBatchFrontend extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly userPoolDomain: cognito.UserPoolDomain;
  readonly webApi: apigwv2.HttpApi;
  readonly webApiStage: apigwv2.HttpStage;
  readonly appUrl: string;
  readonly signInUrl: string;

  constructor(scope: Construct, id: string, props: CodyBatchFrontendProps) {
    super(scope, id);
    const { config, data, api } = props;
    const prod = config.env === 'prod';

    this.bucket = data.privateBucket(
      this,
      'Bucket',
      {
        bucketName: resourceName(config.env, 'frontend'),
        // Only built files, which `npm run deploy:web` writes again. Empty it before deleting the stack.
        removalPolicy: RemovalPolicy.DESTROY,
      },
      'frontend/',
      'the bucket holds only the built web app, which only CloudFront reads. Deploy with -c ' +
        'auditLogs=true to log its access too.',
    );

    // The sign-in domain's prefix: unique per account and environment (Cognito's prefixes are global per region).
    const domainPrefix = `cody-batch-${config.env}-${Aws.ACCOUNT_ID}`;
    this.signInUrl = `https://${domainPrefix}.auth.${Aws.REGION}.amazoncognito.com`;
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: resourceName(config.env, 'frontend-headers'),
      comment: 'Cody Batch web app: strict CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // The API and the sign-in are on other origins; nothing else is reached, nothing inline runs.
          contentSecurityPolicy: [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "font-src 'self'",
            "img-src 'self' data:",
            `connect-src 'self' https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX} ${this.signInUrl}`,
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: resourceName(config.env, 'cf'),
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      // The bucket answers 403 for a key it does not have (CloudFront may not list it): the app's page.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    });
    const distributionReason =
      'The distribution serves only the built web app, the same files for everyone and no data ' +
      'of anyone: the data is behind the web API, which checks every request’s token.';
    acknowledgeRule(
      this.distribution,
      'CFR1',
      `No geo restriction: Cody Batch’s users work from anywhere. ${distributionReason}`,
    );
    acknowledgeRule(
      this.distribution,
      'CFR2',
      `No AWS WAF web ACL, which costs per month and per request. ${distributionReason} The API is throttled at its stage.`,
    );
    acknowledgeRule(
      this.distribution,
      'CFR3',
      `No CloudFront access logs: they would record only downloads of public build files. ${distributionReason} The web API logs every request.`,
    );
    acknowledgeRule(
      this.distribution,
      'CFR4',
      'The distribution uses CloudFront’s default certificate (*.cloudfront.net), with which ' +
        'CloudFront fixes the viewer TLS policy itself; a custom domain with its own certificate ' +
        'and TLSv1.2_2021 is a deploy of its own (docs/operations.md, Web app).',
    );
    this.appUrl = `https://${this.distribution.distributionDomainName}/`;

    this.userPool = new cognito.UserPool(this, 'Users', {
      userPoolName: resourceName(config.env, 'users'),
      // People are invited by an administrator (docs/operations.md); nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: prod,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeRule(
      this.userPool,
      'COG8',
      'Threat protection (advanced security) needs the Plus feature plan, billed per monthly ' +
        'active user. Sign-in already requires a 12-character password and an authenticator app ' +
        '(MFA required), and accounts exist only by invitation.',
    );
    this.userPoolDomain = this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix } });
    this.userPoolClient = this.userPool.addClient('WebApp', {
      userPoolClientName: resourceName(config.env, 'web'),
      // A page cannot keep a secret: the code flow with PKCE instead.
      generateSecret: false,
      authFlows: {},
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [this.appUrl],
        logoutUrls: [this.appUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    });

    const accessLogs = new logs.LogGroup(this, 'WebApiAccessLogs', {
      logGroupName: `/aws/apigateway/${resourceName(config.env, 'web-api')}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.webApi = new apigwv2.HttpApi(this, 'WebApi', {
      apiName: resourceName(config.env, 'web-api'),
      description: 'Cody Batch REST API for the web app (Cognito JWT auth; CORS for the web app’s origin only)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpUserPoolAuthorizer('WebUsers', this.userPool, {
        userPoolClients: [this.userPoolClient],
      }),
      corsPreflight: {
        allowOrigins: [`https://${this.distribution.distributionDomainName}`],
        allowMethods: [
          apigwv2.CorsHttpMethod.GET,
          apigwv2.CorsHttpMethod.POST,
          apigwv2.CorsHttpMethod.PUT,
          apigwv2.CorsHttpMethod.DELETE,
        ],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: [FAILED_VERIFICATION_HEADER, 'location'],
        allowCredentials: false,
        maxAge: Duration.hours(1),
      },
    });
    this.webApiStage = httpStage(this, 'WebApiStage', this.webApi, accessLogs, '$context.authorizer.claims.sub', {
      authorizerError: '$context.authorizer.error',
    });
    // Explicit methods, not ANY: a browser's CORS preflight (OPTIONS) must reach API Gateway's own
    // CORS answer, not the authorizer, which would refuse it for want of a token.
    this.webApi.addRoutes({
      path: '/{proxy+}',
      methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST, apigwv2.HttpMethod.PUT, apigwv2.HttpMethod.DELETE],
      integration: new HttpLambdaIntegration('WebApiIntegration', api.apiFunction, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
  }
}
