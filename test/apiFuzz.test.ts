import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OpenApiDocument, OperationObject } from '../backend/api/openapi/document';
import { FolderArtifactStore } from '../backend/store/artifacts';
import type { Store } from '../backend/store/store';
import { artifactKey } from '../common/names';
import { type FakeGitHub, startFakeGitHub } from './fakes/githubServer';
import { stackStore, startStackProcess, type StackProcess } from './helpers/localStack';
import { DocumentChecker } from './helpers/openapi';
import { anyString, type JsonSchema, nearExample, nearlyValid, valid } from './helpers/schemaArbitrary';

// A property-based fuzz of the API over its OpenAPI document, on the real local stack. For every
// operation fast-check sends requests made from the document: bodies, path and query parameters
// and headers that the schemas allow, and ones close to them that they do not. Whatever it sends:
// - the answer is never a 5xx;
// - its status is one the operation documents, and its body and headers are what the document says;
// - a request that was refused created nothing (no new job) and changed nothing (the job it named).
// Path parameters are drawn from real jobs and repositories as well as from the schemas, so the
// routes get past their 404s. RUNS_PER_OPERATION bounds it to a few seconds in `npm test`.

const RUNS_PER_OPERATION = 50;
const TOKEN = 'ghp_fakefuzztoken';
const REPOSITORIES = ['acme/widgets', 'acme/gadgets', 'acme/gizmos'];

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The job the path names, when it names one. */
  jobId?: string;
}

describe('REST API fuzz over the OpenAPI document (local stack)', function () {
  this.timeout(120_000);
  let stack: StackProcess;
  let github: FakeGitHub;
  let store: Store;
  let document: OpenApiDocument;
  let checker: DocumentChecker;
  const jobIds: string[] = [];
  let sent = 0;
  const statuses = new Map<number, number>();

  const call = async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    assert.ok(response.status < 300, `${path}: ${response.status} ${await response.clone().text()}`);
    return response.json();
  };

  before(async () => {
    github = await startFakeGitHub({ token: TOKEN, repositories: REPOSITORIES.map((fullName) => ({ fullName })) });
    stack = await startStackProcess({ env: { GITHUB_API_URL: github.url, GITHUB_TOKEN: TOKEN } });
    store = stackStore(stack);
    document = await (await fetch(`${stack.apiUrl}/openapi.json`)).json();
    checker = new DocumentChecker(document);
    // Jobs in several states for the path parameters: finished with a diff, a failure and no
    // changes; SAMPLED; PENDING.
    const artifacts = new FolderArtifactStore(`${stack.home}/artifacts`);
    const finished = await call('/jobs', {
      method: 'POST',
      json: { name: 'Fuzz', prompt: 'p', repositories: REPOSITORIES },
    });
    for (const [name, to] of [
      ['acme/widgets', 'COMPLETED'],
      ['acme/gadgets', 'FAILED'],
      ['acme/gizmos', 'NO_CHANGES'],
    ] as const) {
      await store.claim(finished.jobId, name, 1, '2000-01-01T00:00:00Z');
      for (const file of ['diff.patch', 'thread.json', 'log.txt'] as const)
        await artifacts.put(
          artifactKey(finished.jobId, name, file),
          file === 'thread.json'
            ? '{"messages":[],"usage":{"inputTokens":0,"outputTokens":0,"cacheReadTokens":0,"cacheWriteTokens":0,"costUsd":0}}'
            : 'x',
        );
      await store.transitionRepository(finished.jobId, name, {
        from: ['RUNNING'],
        to,
        set: { finishedAt: new Date().toISOString() },
      });
    }
    const sampled = await call('/jobs', {
      method: 'POST',
      json: { name: 'Fuzz sample', command: 'true', repositories: REPOSITORIES, sample: { size: 1 } },
    });
    const [first] = await store.runNames(sampled);
    await store.claim(sampled.jobId, first!, 1, '2000-01-01T00:00:00Z');
    await store.transitionRepository(sampled.jobId, first!, { from: ['RUNNING'], to: 'NO_CHANGES', set: {} });
    const pending = await call('/jobs', {
      method: 'POST',
      json: { name: 'Fuzz pending', command: 'true', repositories: REPOSITORIES },
    });
    jobIds.push(finished.jobId, sampled.jobId, pending.jobId);
  });

  after(async () => {
    await stack?.dispose();
    await github?.close();
    const figures = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
    console.log(`      fuzz: ${sent} requests; ${figures.join(', ')}`);
  });

  /** The newest job, for telling whether a request created one. */
  const newestJob = async () => (await store.jobs.listByOwner('local', 1)).items[0]?.jobId;

  it('covers every operation of the document', () => {
    assert.ok(Object.keys(document.paths).length >= 10);
  });

  // One test per operation, made once the document is known: mocha reads `it`s at load time, so the
  // operations come from the checked-in copy, and the test compares it with what the stack serves.
  const checkedIn: OpenApiDocument = require('../docs/openapi.json');
  for (const [template, item] of Object.entries(checkedIn.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      it(`${operation.operationId}: ${method.toUpperCase()} ${template}`, async () => {
        assert.deepEqual(document.paths[template]?.[method], operation, 'the stack serves the checked-in document');
        const requests = requestsFor(
          method,
          template,
          document.paths[template]![method]!,
          document,
          jobIds,
          stack.token,
        );
        await fc.assert(
          fc.asyncProperty(requests, async (request) => {
            const before = await newestJob();
            const target = request.jobId && method !== 'get' ? await store.jobs.get(request.jobId) : undefined;
            const response = await fetch(`${stack.apiUrl}${request.path}`, {
              method: request.method,
              headers: request.headers,
              body: request.body,
              redirect: 'manual',
            });
            const body = await response.text();
            sent++;
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            const url = new URL(response.url);
            const where = `${request.method} ${request.path} ${JSON.stringify(request.headers)} ${request.body ?? ''}`;
            assert.ok(response.status < 500, `${where} → ${response.status} ${body}`);
            const problems = checker.problems(request.method, url.pathname + url.search, {
              status: response.status,
              headers: response.headers,
              body,
            });
            assert.deepEqual(problems, [], where);
            if (response.status >= 400) {
              assert.equal(await newestJob(), before, `${where} was refused but created a job`);
              if (target)
                assert.deepEqual(
                  await store.jobs.get(target.jobId),
                  target,
                  `${where} was refused but changed the job`,
                );
            }
          }),
          { numRuns: RUNS_PER_OPERATION },
        );
      });
    }
  }
});

/** Requests for one operation, made from its parameters, body and security in the document. */
function requestsFor(
  method: string,
  template: string,
  operation: OperationObject,
  document: OpenApiDocument,
  jobIds: string[],
  token: string,
): fc.Arbitrary<FuzzRequest> {
  const components = document.components.schemas;
  const parameters = (operation.parameters ?? []) as { name: string; in: string; schema: JsonSchema }[];
  const pathValues = parameters
    .filter((parameter) => parameter.in === 'path')
    .map((parameter) => {
      const real = parameter.name === 'jobId' ? jobIds : REPOSITORIES;
      return fc
        .oneof(
          { weight: 4, arbitrary: fc.constantFrom(...real) },
          { weight: 1, arbitrary: valid(parameter.schema, components) as fc.Arbitrary<string> },
          { weight: 1, arbitrary: anyString(30).filter((value) => value.length > 0 && encodable(value)) },
        )
        .map((value) => [parameter.name, value] as const);
    });
  const queryValues = parameters
    .filter((parameter) => parameter.in === 'query')
    .map((parameter) =>
      fc
        .option(fc.oneof(valid(parameter.schema, components).map(String), anyString(10)), { nil: undefined })
        .map((value) => [parameter.name, value] as const),
    );
  const media = (operation.requestBody as any)?.content?.['application/json'];
  const bodySchema = media?.schema as JsonSchema | undefined;
  const example = media?.example as Record<string, unknown> | undefined;
  const body: fc.Arbitrary<string | undefined> = bodySchema
    ? fc.oneof(
        { weight: 4, arbitrary: nearlyValid(bodySchema, components).map((value) => JSON.stringify(value)) },
        {
          weight: example ? 4 : 0,
          arbitrary: example
            ? nearExample(example, bodySchema, components).map((value) => JSON.stringify(value))
            : fc.constant(''),
        },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: anyString(30) },
      )
    : fc.constant(undefined);
  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constant('valid') },
    { weight: 1, arbitrary: fc.constantFrom('none', 'Bearer wrong', 'Basic dG9rZW4=', 'Bearer ') },
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/jsonp',
    'none',
  );
  const extraHeader = fc.option(
    fc.tuple(
      fc.constantFrom(
        'accept',
        'accept-encoding',
        'content-encoding',
        'x-amz-date',
        'x-amz-security-token',
        'x-forwarded-for',
        'origin',
        'x-http-method-override',
        'range',
      ),
      fc.string({ maxLength: 30 }).map((value) => value.replace(/[^\x20-\x7e]/g, '').trim()),
    ),
    { nil: undefined },
  );
  return fc
    .record({
      path: fc.tuple(...pathValues),
      query: fc.tuple(...queryValues),
      body,
      authorization,
      contentType,
      extraHeader,
    })
    .map(({ path, query, body, authorization, contentType, extraHeader }) => {
      const values = Object.fromEntries(path);
      const filled = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name]!));
      const search = new URLSearchParams(query.filter(([, value]) => value !== undefined) as [string, string][]);
      const headers: Record<string, string> = {};
      if (extraHeader) headers[extraHeader[0]] = extraHeader[1];
      if (authorization !== 'none')
        headers.authorization = authorization === 'valid' ? `Bearer ${token}` : authorization;
      if (body !== undefined && contentType !== 'none') headers['content-type'] = contentType;
      return {
        method: method.toUpperCase(),
        path: search.size ? `${filled}?${search}` : filled,
        headers,
        body,
        jobId: values.jobId,
      };
    });
}

/** encodeURIComponent throws on a lone surrogate, which no client could send in a path anyway. */
function encodable(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}
