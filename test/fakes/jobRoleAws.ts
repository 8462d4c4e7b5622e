import { randomBytes } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account';
import { assumeRoleAnswer } from './stsServer';
import { jobsTableDefinition, repositoriesTableDefinition } from '../../backend/store/tables';
import { listenOnLoopback } from './loopback';

// AWS as a worker's job role sees it, on loopback, for a container that believes it runs on ECS:
//  - the container credentials endpoint (what ECS serves at 169.254.170.2; here
//    AWS_CONTAINER_CREDENTIALS_FULL_URI), handing out the job role's credentials;
//  - STS, where the job role assumes the run role with a session tag (both roles' policies and the
//    run role's trust checked, conditions included); each session's requests are then judged by
//    the run role's policy, its tags in place of `${aws:PrincipalTag/…}` and the request's
//    partition keys as `dynamodb:LeadingKeys`;
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
  /** Operator (`StringLike`, `ForAllValues:StringEquals`, `Null`…) → condition key → values. */
  conditions?: Record<string, Record<string, string[]>>;
}

/** The role the worker may assume for its job's data, and whom it trusts, on what conditions. */
export interface RunRoleOptions {
  arn: string;
  statements: RoleStatement[];
  trust: { principals: string[]; actions: string[]; conditions?: RoleStatement['conditions'] }[];
}

export interface AwsRequest {
  service: 's3' | 'dynamodb' | 'sts';
  action: string;
  resources: string[];
  allowed: boolean;
  /** Who asked: the job role, or a run-role session and the job its tag names. */
  principal: string;
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
  /** The job role's ARN, as a trust policy names it. */
  jobRoleArn?: string;
  /** The run role, with STS on loopback (AWS_ENDPOINT_URL_STS) to assume it. */
  runRole?: RunRoleOptions;
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

/** What IAM knows of a request besides its action and resource: condition keys, and the caller's session tags. */
export interface RequestContext {
  /** Condition keys, each with its values (`dynamodb:LeadingKeys`, `aws:RequestTag/jobId`, `aws:TagKeys`). */
  keys?: Record<string, string[]>;
  /** The caller's session tags, for `${aws:PrincipalTag/…}`. */
  principalTags?: Record<string, string>;
}

/** A policy variable's value, or undefined when the request has none (then what names it matches nothing). */
function substitute(text: string, context: RequestContext): string | undefined {
  let missing = false;
  const result = text.replace(/\$\{aws:PrincipalTag\/([^}]+)\}/g, (_, tag: string) => {
    const value = context.principalTags?.[tag];
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : result;
}

/**
 * One condition block, as IAM evaluates the operators the stack uses: `StringEquals`, `StringLike`
 * and `Null`, each with `ForAllValues:` / `ForAnyValue:` for keys of many values. Every operator
 * and key must hold.
 */
function conditionsHold(conditions: RoleStatement['conditions'], context: RequestContext): boolean {
  for (const [operator, keys] of Object.entries(conditions ?? {})) {
    const [qualifier, base] = operator.includes(':') ? operator.split(':') : [undefined, operator];
    for (const [key, expected] of Object.entries(keys)) {
      const values = context.keys?.[key];
      if (base === 'Null') {
        if ((values === undefined || values.length === 0) !== (expected[0] === 'true')) return false;
        continue;
      }
      const patterns = expected.map((value) => substitute(value, context)).filter((value) => value !== undefined);
      const one = (value: string) =>
        patterns.some((pattern) => (base === 'StringLike' ? wildcard(pattern, value, false) : pattern === value));
      if (base !== 'StringEquals' && base !== 'StringLike')
        throw new Error(`jobRoleAws: no condition operator ${operator}: extend test/fakes/jobRoleAws.ts`);
      // ForAllValues holds of no values at all, as IAM's does (the stack pairs it with Null).
      if (qualifier === 'ForAllValues') {
        if (!(values ?? []).every(one)) return false;
      } else if (qualifier === 'ForAnyValue' || values === undefined || values.length !== 1) {
        if (!(values ?? []).some(one)) return false;
      } else if (!one(values[0]!)) return false;
    }
  }
  return true;
}

/** IAM's rule for one identity policy: an explicit Deny wins, then any Allow, else denied. */
export function policyAllows(
  statements: readonly RoleStatement[],
  action: string,
  resource: string,
  context: RequestContext = {},
): boolean {
  const matching = statements.filter(
    (statement) =>
      statement.actions.some((pattern) => wildcard(pattern, action, true)) &&
      statement.resources.some((pattern) => {
        const resolved = substitute(pattern, context);
        return resolved !== undefined && wildcard(resolved, resource, false);
      }) &&
      conditionsHold(statement.conditions, context),
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
  return listenOnLoopback(server);
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Both tables' partition key (`backend/store/tables.ts`): what `dynamodb:LeadingKeys` holds the values of. */
const PARTITION_KEYS = new Set(
  [jobsTableDefinition('jobs'), repositoriesTableDefinition('repositories')].map(
    (definition) => definition.KeySchema!.find((key) => key.KeyType === 'HASH')!.AttributeName!,
  ),
);

type AttributeMap = Record<string, { S?: string }> | undefined;

/**
 * The partition-key values a DynamoDB request names, as IAM puts them in `dynamodb:LeadingKeys`:
 * of a Key or Item, of every item of a batch, of a query's `key = :value` (on an index, its own
 * partition key); undefined when it names none (a Scan).
 */
function partitionKeysOf(input: Record<string, any>): string[] | undefined {
  const values: string[] = [];
  const fromItem = (item: AttributeMap) => {
    for (const key of PARTITION_KEYS) if (item?.[key]?.S !== undefined) values.push(item[key]!.S!);
  };
  fromItem(input.Key);
  fromItem(input.Item);
  for (const requests of Object.values(input.RequestItems ?? {}) as unknown[]) {
    if (Array.isArray(requests))
      for (const write of requests as {
        PutRequest?: { Item: AttributeMap };
        DeleteRequest?: { Key: AttributeMap };
      }[]) {
        fromItem(write.PutRequest?.Item);
        fromItem(write.DeleteRequest?.Key);
      }
    else for (const key of (requests as { Keys?: AttributeMap[] }).Keys ?? []) fromItem(key);
  }
  if (typeof input.KeyConditionExpression === 'string') {
    const names: Record<string, string> = input.ExpressionAttributeNames ?? {};
    for (const [, operand, placeholder] of input.KeyConditionExpression.matchAll(/(#?\w+)\s*=\s*(:\w+)/g)) {
      const name = names[operand!] ?? operand!;
      const value = input.ExpressionAttributeValues?.[placeholder!]?.S;
      if (value !== undefined && (input.IndexName || PARTITION_KEYS.has(name))) {
        values.push(value);
        break;
      }
    }
  }
  return values.length ? values : undefined;
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
  /** Run-role sessions STS handed out, by access key: their secret and their session tags. */
  const sessions = new Map<string, { secretAccessKey: string; sessionToken: string; tags: Record<string, string> }>();
  interface Caller {
    name: string;
    statements: readonly RoleStatement[];
    principalTags: Record<string, string>;
  }
  /** Who signed a request: the job role, or a run-role session (with its tags); undefined for anyone else. */
  const callerOf = (request: IncomingMessage): Caller | undefined => {
    const key = accessKeyOf(request);
    if (key === role.accessKeyId) return { name: 'job role', statements: options.statements, principalTags: {} };
    const session = key ? sessions.get(key) : undefined;
    if (!session || !options.runRole) return undefined;
    return {
      name: `run role (${Object.entries(session.tags)
        .map(([tag, value]) => `${tag}=${value}`)
        .join(', ')})`,
      statements: options.runRole.statements,
      principalTags: session.tags,
    };
  };
  const record = (
    service: AwsRequest['service'],
    action: string,
    resources: string[],
    caller: Caller,
    keys: Record<string, string[]> = {},
  ) => {
    const allowed = resources.every((resource) =>
      policyAllows(caller.statements, action, resource, { keys, principalTags: caller.principalTags }),
    );
    requests.push({ service, action, resources, allowed, principal: caller.name });
    return allowed;
  };
  const denialMessage = (caller: Caller, action: string, resource: string) =>
    `User: arn:aws:sts::${options.account}:assumed-role/${caller.name === 'job role' ? 'JobRole' : 'RunRole'}/worker is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

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
      const deny = (status: number, caller?: Caller) => {
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(
          method === 'HEAD'
            ? undefined
            : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${caller ? denialMessage(caller, action, resource) : 'The AWS Access Key Id you provided does not exist in our records.'}</Message></Error>`,
        );
      };
      const caller = callerOf(request);
      if (!caller) return deny(403);
      if (!record('s3', action, [resource], caller)) return deny(403, caller);
      const upstream = httpRequest(
        { host: '127.0.0.1', port: s3rverPort, method, path: request.url, headers: request.headers },
        (answer) => {
          const missing = answer.statusCode === 404 && action === 's3:GetObject';
          const listing = { principalTags: caller.principalTags };
          if (missing && !policyAllows(caller.statements, 's3:ListBucket', `arn:aws:s3:::${bucket}`, listing)) {
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
      const caller = callerOf(request);
      if (!caller) return refuse('The security token included in the request is invalid.');
      const leadingKeys = partitionKeysOf(input);
      if (!record('dynamodb', action, resources, caller, leadingKeys ? { 'dynamodb:LeadingKeys': leadingKeys } : {}))
        return refuse(denialMessage(caller, action, resources.join(', ')));
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

  // STS: AssumeRole of the run role, allowed when the job role's policy lets it (sts:AssumeRole, and
  // sts:TagSession for tags) and the run role's trust policy does, each with the request's tags as
  // condition keys; the session it hands out carries the tags, for `${aws:PrincipalTag/…}`.
  const stsServer = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const params = Object.fromEntries(new URLSearchParams((await readBody(request)).toString('utf8')));
      const caller = callerOf(request);
      const tags: Record<string, string> = {};
      for (let i = 1; params[`Tags.member.${i}.Key`] !== undefined; i++)
        tags[params[`Tags.member.${i}.Key`]!] = params[`Tags.member.${i}.Value`] ?? '';
      const keys: Record<string, string[]> = {
        'aws:TagKeys': Object.keys(tags),
        ...Object.fromEntries(Object.entries(tags).map(([tag, value]) => [`aws:RequestTag/${tag}`, [value]])),
      };
      const actions = ['sts:AssumeRole', ...(Object.keys(tags).length ? ['sts:TagSession'] : [])];
      const runRole = options.runRole;
      const allowedByCaller =
        caller?.name === 'job role' &&
        actions.every((action) => policyAllows(caller.statements, action, params.RoleArn ?? '', { keys }));
      const trusted =
        runRole !== undefined &&
        params.RoleArn === runRole.arn &&
        actions.every((action) =>
          runRole.trust.some(
            (statement) =>
              statement.principals.includes(options.jobRoleArn ?? '') &&
              statement.actions.includes(action) &&
              conditionsHold(statement.conditions, { keys }),
          ),
        );
      const allowed = params.Action === 'AssumeRole' && allowedByCaller && trusted;
      requests.push({
        service: 'sts',
        action: 'sts:AssumeRole',
        resources: [params.RoleArn ?? ''],
        allowed,
        principal: caller?.name ?? 'unknown',
      });
      if (!allowed) {
        response.writeHead(403, { 'content-type': 'text/xml' });
        response.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${caller?.name ?? 'unknown'} is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}</Message></Error><RequestId>loopback</RequestId></ErrorResponse>`,
        );
        return;
      }
      const session = {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(48).toString('base64'),
        tags,
      };
      sessions.set(session.accessKeyId, session);
      account.createKeyPair(session.accessKeyId, session.secretAccessKey);
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(assumeRoleAnswer(session, params));
    })().catch(() => response.destroy());
  });

  const [credentialsUrl, s3Url, dynamoUrl, stsUrl] = await Promise.all([
    listen(credentialsServer),
    listen(s3Proxy),
    listen(dynamoProxy),
    listen(stsServer),
  ]);
  return {
    environment: {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${credentialsUrl}/v2/credentials/job-role`,
      AWS_ENDPOINT_URL_S3: s3Url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
      AWS_ENDPOINT_URL_STS: stsUrl,
    },
    requests,
    s3Endpoint: `http://127.0.0.1:${s3rverPort}`,
    operatorCredentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    close: async () => {
      await Promise.all([close(credentialsServer), close(s3Proxy), close(dynamoProxy), close(stsServer)]);
      await s3rver.close();
      account.revokeAccessKey(role.accessKeyId);
      for (const key of sessions.keys()) account.revokeAccessKey(key);
    },
  };
}
