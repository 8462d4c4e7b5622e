import { randomBytes } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account';

// AWS as a worker's job role sees it, on loopback, for a container that believes it runs on ECS:
//  - the container credentials endpoint (what ECS serves at 169.254.170.2; here
//    AWS_CONTAINER_CREDENTIALS_FULL_URI), handing out the job role's credentials;
//  - S3 (s3rver) and DynamoDB (the local stack's, which accepts only its own signature) behind the
//    job role's IAM policy: each request is mapped to its IAM action and resource ARN, as AWS
//    authorizes it, and refused with AWS's AccessDenied unless an Allow statement covers it and no
//    Deny does. Like S3, a read of a missing object is AccessDenied, not NoSuchKey, to a role that
//    may not list the bucket. Requests DynamoDB accepts are signed again with the stack's key.
// The SDK reaches the two through its standard endpoint variables (AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL_DYNAMODB), so the worker runs its AWS code path unchanged.

export interface RoleStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export interface AwsRequest {
  service: 's3' | 'dynamodb';
  action: string;
  resources: string[];
  allowed: boolean;
}

export interface JobRoleAws {
  /** The variables the platform gives the container: credentials URI and endpoints. */
  environment: Record<string, string>;
  /** Every request the role made, in order, and whether its policy allowed it. */
  requests: AwsRequest[];
  /** S3 as an operator reaches it (no policy): for the test to read what the worker stored. */
  s3Endpoint: string;
  /** Credentials the operator's S3 client signs with. */
  operatorCredentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

export interface JobRoleAwsOptions {
  statements: RoleStatement[];
  region: string;
  account: string;
  buckets: string[];
  s3Directory: string;
  /** The DynamoDB the role's requests go on to, and the only credentials it accepts (asked at the first request). */
  dynamodb: () => Promise<{ endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } }>;
}

/** IAM's wildcards: `*` any run of characters, `?` one; actions compare without case. */
function wildcard(pattern: string, text: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('*')
    .map((part) =>
      part
        .split('?')
        .map((piece) => piece.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))
        .join('.'),
    )
    .join('.*');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(text);
}

/** IAM's rule for one identity policy: an explicit Deny wins, then any Allow, else denied. */
export function policyAllows(statements: readonly RoleStatement[], action: string, resource: string): boolean {
  const matching = statements.filter(
    (statement) =>
      statement.actions.some((pattern) => wildcard(pattern, action, true)) &&
      statement.resources.some((pattern) => wildcard(pattern, resource, false)),
  );
  return !matching.some((statement) => statement.effect === 'Deny') && matching.some((s) => s.effect === 'Allow');
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The access key a SigV4 Authorization header names. */
function accessKeyOf(request: IncomingMessage): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
}

export async function startJobRoleAws(options: JobRoleAwsOptions): Promise<JobRoleAws> {
  const role = {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(48).toString('base64'),
  };
  const requests: AwsRequest[] = [];
  const record = (service: AwsRequest['service'], action: string, resources: string[]) => {
    const allowed = resources.every((resource) => policyAllows(options.statements, action, resource));
    requests.push({ service, action, resources, allowed });
    return allowed;
  };
  const denialMessage = (action: string, resource: string) =>
    `User: arn:aws:sts::${options.account}:assumed-role/JobRole/worker is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

  // Container credentials, in ECS's format.
  const credentialsServer = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        AccessKeyId: role.accessKeyId,
        SecretAccessKey: role.secretAccessKey,
        Token: role.sessionToken,
        Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
        RoleArn: `arn:aws:iam::${options.account}:role/JobRole`,
      }),
    );
  });

  // S3: s3rver, knowing the role's key, behind the policy.
  const account = new AWSAccount(Number(options.account), 'JobRole');
  account.createKeyPair(role.accessKeyId, role.secretAccessKey);
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.s3Directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const { port: s3rverPort } = await s3rver.run();
  const s3Proxy = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const body = await readBody(request);
      const url = new URL(request.url ?? '/', 'http://s3');
      const [, bucket = '', ...keyParts] = url.pathname.split('/');
      const key = decodeURIComponent(keyParts.join('/'));
      const method = request.method ?? 'GET';
      let action: string;
      let resource: string;
      if (!key) {
        action =
          method === 'GET'
            ? 's3:ListBucket'
            : method === 'POST' && url.searchParams.has('delete')
              ? 's3:DeleteObject'
              : `s3:${method}Bucket`;
        resource = action === 's3:DeleteObject' ? `arn:aws:s3:::${bucket}/*` : `arn:aws:s3:::${bucket}`;
      } else {
        action =
          { GET: 's3:GetObject', HEAD: 's3:GetObject', PUT: 's3:PutObject', DELETE: 's3:DeleteObject' }[method] ??
          `s3:${method}Object`;
        resource = `arn:aws:s3:::${bucket}/${key}`;
      }
      const deny = (status: number) => {
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(
          method === 'HEAD'
            ? undefined
            : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${denialMessage(action, resource)}</Message></Error>`,
        );
      };
      if (accessKeyOf(request) !== role.accessKeyId) return deny(403);
      if (!record('s3', action, [resource])) return deny(403);
      const upstream = httpRequest(
        { host: '127.0.0.1', port: s3rverPort, method, path: request.url, headers: request.headers },
        (answer) => {
          const missing = answer.statusCode === 404 && action === 's3:GetObject';
          if (missing && !policyAllows(options.statements, 's3:ListBucket', `arn:aws:s3:::${bucket}`)) {
            answer.resume();
            return deny(403);
          }
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', () => response.destroy());
      upstream.end(body);
    })().catch(() => response.destroy());
  });

  // DynamoDB: the stack's, which accepts only its own key, behind the policy.
  let target: Promise<{ url: URL; signer: SignatureV4 }> | undefined;
  const dynamoTarget = () =>
    (target ??= options.dynamodb().then(({ endpoint, credentials }) => ({
      url: new URL(endpoint),
      signer: new SignatureV4({ service: 'dynamodb', region: options.region, credentials, sha256: Sha256 }),
    })));
  const tableArn = (name: string) => `arn:aws:dynamodb:${options.region}:${options.account}:table/${name}`;
  const dynamoProxy = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const body = await readBody(request);
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const action = `dynamodb:${operation}`;
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, any>;
      const resources: string[] = [];
      if (input.TableName)
        resources.push(tableArn(input.TableName) + (input.IndexName ? `/index/${input.IndexName}` : ''));
      for (const table of Object.keys(input.RequestItems ?? {})) resources.push(tableArn(table));
      for (const item of input.TransactItems ?? [])
        for (const part of Object.values(item) as { TableName?: string }[])
          if (part.TableName) resources.push(tableArn(part.TableName));
      const refuse = (message: string) => {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }));
      };
      if (accessKeyOf(request) !== role.accessKeyId)
        return refuse('The security token included in the request is invalid.');
      if (!record('dynamodb', action, resources)) return refuse(denialMessage(action, resources.join(', ')));
      const { url: dynamo, signer } = await dynamoTarget();
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: dynamo.hostname,
        port: Number(dynamo.port),
        path: '/',
        headers: {
          host: dynamo.host,
          'content-type': String(request.headers['content-type'] ?? 'application/x-amz-json-1.0'),
          'x-amz-target': String(request.headers['x-amz-target']),
        },
        body,
      });
      const upstream = httpRequest(
        {
          host: dynamo.hostname,
          port: Number(dynamo.port),
          method: 'POST',
          path: '/',
          headers: { ...signed.headers, 'content-length': String(body.length) },
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', () => response.destroy());
      upstream.end(body);
    })().catch(() => response.destroy());
  });

  const [credentialsUrl, s3Url, dynamoUrl] = await Promise.all([
    listen(credentialsServer),
    listen(s3Proxy),
    listen(dynamoProxy),
  ]);
  return {
    environment: {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${credentialsUrl}/v2/credentials/job-role`,
      AWS_ENDPOINT_URL_S3: s3Url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
    },
    requests,
    s3Endpoint: `http://127.0.0.1:${s3rverPort}`,
    operatorCredentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    close: async () => {
      await Promise.all([close(credentialsServer), close(s3Proxy), close(dynamoProxy)]);
      await s3rver.close();
      account.revokeAccessKey(role.accessKeyId);
    },
  };
}
