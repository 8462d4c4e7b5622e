import * as z from 'zod';
import { API_ERRORS, type ApiErrorCode } from '../../../common/errors';
import type { Answer, NamedSchema, Operation } from './operation';

// The OpenAPI 3.1 document of the API, written from the operations the routes register
// (./operation.ts) and the zod schemas they validate with (zod writes JSON Schema 2020-12, the
// dialect of OpenAPI 3.1). Request schemas are written as a client sends them (defaults may be
// left out); answers as the server writes them.

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, unknown>;
    responses: Record<string, OperationObject['responses'][string]>;
  };
  [key: string]: unknown;
};
export type OperationObject = {
  operationId: string;
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  [key: string]: unknown;
};

/** What each error code means, as the document tells it. */
const ERROR_MEANINGS: Record<ApiErrorCode, string> = {
  VALIDATION_FAILED: 'the request does not pass the checks; the message names each field and why',
  INVALID_JSON: 'the body is not JSON',
  INVALID_NEXT_TOKEN: 'the nextToken does not belong to this list',
  UNAUTHORIZED: 'missing or wrong credentials',
  NOT_FOUND: 'no such job, repository or attempt (another owner’s job answers this too)',
  METHOD_NOT_ALLOWED: 'the path exists with other methods (see the Allow header)',
  JOB_FINAL: 'the job has finished',
  JOB_ACTIVE: 'the job is still running',
  NOTHING_TO_RETRY: 'the job has no failed or cancelled repositories',
  JOB_NOT_SAMPLED: 'the job is not SAMPLED',
  NO_DIFF: 'the repository or attempt did not complete with changes',
  UNVERIFIED_JOB:
    'the job does not carry the API’s signature of what it runs: it was written or changed around the API',
  UNVERIFIED_ROW:
    'a repository’s task, recorded base and digest, or patch revision carries no valid signature or seal: it was written around the API and the workers',
  NOT_REVIEWABLE: 'the repository has not COMPLETED, or has moved on from the attempt reviewed',
  GROUP_CHANGED:
    'the change group’s repositories are not the ones the reviewer saw (a member’s diff changed, or one joined), or no repository has that change now',
  VARIANTS_NOT_OPENED:
    'the change group has members with the same lines in other surroundings, and an approval ' +
    'of the group did not name a member of each as opened (`openedVariants`)',
  PATCH_CHANGED:
    'the repository’s patch is not the one the request was based on: another revision, not ' +
    'the digest the reviewer was shown, or stored bytes that no longer hash to its recorded digest',
  PATCH_LOCKED: 'the patch can take no new revision: its pull request already holds it, or it has 50 revisions',
  PUBLISH_IN_PROGRESS: 'a publish of this job is still under way',
  OPERATION_IN_PROGRESS: 'another bulk operation of this job is still going on (one at a time per job)',
  NOTHING_TO_PUBLISH: 'no repository of the request can be published (the message says why)',
  COST_LIMIT_REACHED: 'the job has spent its maxCostUsd: no further Claude round starts',
  PULL_REQUESTS_UNSUPPORTED: 'the code host has no pull requests (the local folder host)',
  QUERY_REFUSED: 'the code host cannot or should not run the repositoryQuery as given',
  SANDBOX_UNAVAILABLE:
    'the job runs commands that need the command sandbox (allowCommands; every command under ' +
    'CODY_BATCH_SANDBOX=require), and it is unavailable where they would run',
  PAYLOAD_TOO_LARGE: 'the body is over the size limit (4 MiB)',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not sent as application/json',
  INTERNAL: 'the server failed; its log has the details',
  HOST_UNAVAILABLE: 'the code host could not be reached or refused the server’s credentials',
  UNAVAILABLE: 'storage is unavailable for the moment; try again shortly',
};

const PARAMETER_DESCRIPTIONS: Record<string, string> = {
  limit: 'The most items in one page.',
  nextToken: 'The previous page’s nextToken, for the page after it.',
  status: 'Only the repositories with this status.',
  attempt: 'An earlier attempt’s artifact (default: the current attempt’s).',
  revision: 'A revision of the patch: 0 is the worker’s own diff (default: the current revision).',
};

const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The local stack: `Authorization: Bearer <token>` with the token in `$CODY_BATCH_HOME/token` (`~/.cody-batch/token`).',
  },
  awsSigV4: {
    // OpenAPI has no scheme for AWS Signature Version 4; this is how API Gateway's own exports name it.
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    'x-amazon-apigateway-authtype': 'awsSigv4',
    description:
      'On AWS: API Gateway’s IAM authorization. Sign every request with AWS Signature Version ' +
      '4 for the service `execute-api` in the API’s region, with credentials whose IAM policy ' +
      'allows `execute-api:Invoke` on the API (the `Authorization`, `X-Amz-Date` and, for ' +
      'temporary credentials, `X-Amz-Security-Token` headers). The caller’s IAM ARN owns the ' +
      'jobs it creates.',
  },
};

/** The document for `operations`: one path item per path, each operation with its answers and errors. */
export function openApiDocument(operations: readonly Operation[], version: string): OpenApiDocument {
  const schemas = new Components();
  const paths: OpenApiDocument['paths'] = {};
  for (const operation of operations) {
    const item = paths[operation.path] ?? {};
    paths[operation.path] = item;
    if (item[operation.method])
      throw new Error(`${operation.method.toUpperCase()} ${operation.path} is declared twice`);
    item[operation.method] = operationObject(operation, schemas);
  }
  const ids = operations.map((operation) => operation.operationId);
  const twice = ids.find((id, index) => ids.indexOf(id) !== index);
  if (twice) throw new Error(`operationId ${twice} is used twice`);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cody Batch API',
      version,
      description:
        'Runs one Claude-driven code change across many Git repositories. Errors are `{"error": ' +
        '{"code", "message"}}`; bad input is a 4xx. The local stack takes a bearer token; on AWS ' +
        'every route but `/health` and `/openapi.json` takes IAM (SigV4) authorization. A path ' +
        'that is not here answers `components.responses.NoRoute`, and a path that is here asked ' +
        'with another method `MethodNotAllowed`; without credentials, a path under `/jobs` or ' +
        '`/repositories` answers `Unauthorized` first.',
    },
    servers: [
      { url: 'http://127.0.0.1:7878', description: 'The local stack (`npm start`)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'AWS (the stack’s ApiUrl output)',
        variables: { apiId: { default: 'abc123' }, region: { default: 'eu-west-1' } },
      },
    ],
    security: [{ bearerAuth: [] }, { awsSigV4: [] }],
    tags: [
      { name: 'jobs', description: 'Jobs: one change across many repositories' },
      { name: 'repositories', description: 'A job’s repository results and their diff, Claude thread and log' },
      { name: 'service', description: 'The service itself' },
    ],
    paths,
    components: {
      schemas: schemas.all(),
      securitySchemes: SECURITY_SCHEMES,
      // What the app answers outside its operations (backend/api/middleware/methods.ts).
      responses: {
        NoRoute: errorAnswer(['NOT_FOUND']),
        MethodNotAllowed: errorAnswer(['METHOD_NOT_ALLOWED']),
        Unauthorized: errorAnswer(['UNAUTHORIZED']),
      },
    },
  };
}

function operationObject(operation: Operation, schemas: Components): OperationObject {
  const authenticated = operation.auth !== false;
  const parameters = [
    ...Object.entries(operation.params ?? {}).map(([name, parameter]) => ({
      name,
      in: 'path',
      required: true,
      description: parameter.description,
      schema: jsonSchema(parameter.schema, 'input'),
    })),
    ...Object.entries(operation.query?.shape ?? {}).map(([name, field]) => ({
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      ...(PARAMETER_DESCRIPTIONS[name] ? { description: PARAMETER_DESCRIPTIONS[name] } : {}),
      schema: jsonSchema(field as z.ZodType, 'input'),
    })),
  ];
  const responses: OperationObject['responses'] = {};
  for (const [status, answer] of Object.entries(operation.responses)) responses[status] = answerObject(answer, schemas);
  for (const [status, codes] of errorsByStatus(operation)) responses[String(status)] = errorAnswer(codes);
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    ...(authenticated ? {} : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: !operation.body.optional,
            ...(operation.body.optional ? { description: 'An empty body counts as `{}`.' } : {}),
            content: {
              'application/json': {
                schema: schemas.ref(operation.body, 'input'),
                ...(operation.body.example === undefined ? {} : { example: checkedExample(operation) }),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

function checkedExample(operation: Operation): unknown {
  const parsed = operation.body!.schema.safeParse(operation.body!.example);
  if (!parsed.success)
    throw new Error(`The example body of ${operation.operationId} is refused: ${parsed.error.message}`);
  return operation.body!.example;
}

/** Every code the operation can answer, grouped by status, in status order. */
function errorsByStatus(operation: Operation): [number, ApiErrorCode[]][] {
  const codes = new Set<ApiErrorCode>(operation.errors ?? []);
  if (operation.body) {
    for (const code of ['VALIDATION_FAILED', 'INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'] as const)
      codes.add(code);
  }
  if (operation.query) codes.add('VALIDATION_FAILED');
  if (operation.auth !== false) {
    codes.add('UNAUTHORIZED');
    codes.add('UNAVAILABLE');
  }
  codes.add('INTERNAL');
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of Object.keys(API_ERRORS) as ApiErrorCode[]) {
    if (!codes.has(code)) continue;
    const status = API_ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return [...byStatus].sort(([a], [b]) => a - b);
}

function errorAnswer(codes: ApiErrorCode[]): OperationObject['responses'][string] {
  return {
    description: codes.map((code) => `\`${code}\`: ${ERROR_MEANINGS[code]}`).join('; '),
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string', enum: codes }, message: { type: 'string' } },
              required: ['code', 'message'],
            },
          },
          required: ['error'],
        },
      },
    },
  };
}

function answerObject(answer: Answer, schemas: Components): OperationObject['responses'][string] {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (answer.json) content['application/json'] = { schema: schemas.ref(answer.json, 'output') };
  for (const [type, schema] of Object.entries(answer.content ?? {}))
    content[type] = { schema: jsonSchema(schema, 'output') };
  const headers = Object.entries(answer.headers ?? {}).map(([name, header]) => [
    name,
    {
      description: header.description,
      // A header only some answers carry has an optional schema.
      required: !header.schema.safeParse(undefined).success,
      schema: jsonSchema(header.schema, 'output'),
    },
  ]);
  return {
    description: answer.description,
    ...(headers.length ? { headers: Object.fromEntries(headers) } : {}),
    ...(Object.keys(content).length ? { content } : {}),
  };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as JsonSchema;
  return rest;
}

/** `components.schemas`: each named schema once; one name for two different schemas is a mistake. */
class Components {
  private readonly schemas = new Map<string, JsonSchema>();

  ref(named: NamedSchema, io: 'input' | 'output'): JsonSchema {
    const schema = jsonSchema(named.schema, io);
    const known = this.schemas.get(named.name);
    if (known && JSON.stringify(known) !== JSON.stringify(schema))
      throw new Error(`Two different schemas are both named ${named.name}`);
    this.schemas.set(named.name, schema);
    return { $ref: `#/components/schemas/${named.name}` };
  }

  all(): Record<string, JsonSchema> {
    return Object.fromEntries([...this.schemas].sort(([a], [b]) => a.localeCompare(b)));
  }
}
