// API Gateway HTTP API (payload 2.0) events as the API's Lambda receives them, for tests and
// benchmarks that call the handler directly.

/** An event for `method rawPath`, signed in as `userArn` by the IAM authorizer when given. */
export function apiGatewayEvent(
  method: string,
  rawPath: string,
  options: { userArn?: string; body?: unknown; query?: string } = {},
) {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: options.query ?? '',
    headers: {
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: `r${Math.random()}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(options.userArn
        ? {
            authorizer: {
              iam: {
                accessKey: 'AKIA',
                accountId: '123456789012',
                callerId: 'AIDA',
                userArn: options.userArn,
                userId: 'AIDA',
              },
            },
          }
        : {}),
    },
    body,
    isBase64Encoded: false,
  };
}
