import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

// The `$default` stage of one of the stack's HTTP APIs (the IAM API, the web app's JWT API): auto
// deployed, throttled the same, with a JSON access log line per request. `caller` names who called
// in that API's terms (the IAM ARN, the token's subject); `extra` adds fields only it has.

export function httpStage(
  scope: Construct,
  id: string,
  httpApi: apigwv2.IHttpApi,
  accessLogs: logs.ILogGroup,
  caller: string,
  extra: Record<string, string> = {},
): apigwv2.HttpStage {
  return new apigwv2.HttpStage(scope, id, {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: 50, burstLimit: 100 },
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      format: apigateway.AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          time: '$context.requestTime',
          route: '$context.routeKey',
          path: '$context.path',
          status: '$context.status',
          latencyMs: '$context.responseLatency',
          caller,
          sourceIp: '$context.identity.sourceIp',
          ...extra,
          integrationError: '$context.integrationErrorMessage',
        }),
      ),
    },
  });
}
