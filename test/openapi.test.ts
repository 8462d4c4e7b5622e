import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Hono } from 'hono';
import { apiDocument, createApp } from '../backend/api/app';
import type { AppEnv, ApiDependencies } from '../backend/api/context';
import { type OpenApiDocument, openApiDocument } from '../backend/api/openapi/document';
import { DocumentedRoutes, mount, operationsOf } from '../backend/api/openapi/operation';
import { CodyBatchClient } from '../common/client';
import { Health } from '../common/schemas';
import { DocumentChecker, undocumentedRoutes } from './helpers/openapi';
import { REPO_ROOT, startStackProcess, type StackProcess } from './helpers/localStack';

// The OpenAPI document: written from the routes' own declarations and zod schemas, checked in,
// valid by a standard validator, complete (every route the app serves, every route the typed
// client calls), and served without credentials by the real local stack.

const { version } = require('../package.json');

describe('The OpenAPI document', () => {
  const document = apiDocument(version);

  it('is checked in as docs/openapi.json exactly as the code writes it (npm run build)', () => {
    const checkedIn = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs', 'openapi.json'), 'utf8'));
    assert.deepEqual(checkedIn, JSON.parse(JSON.stringify(document)), 'run npm run build and commit docs/openapi.json');
  });

  it('is valid OpenAPI 3.1 by the standard validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, '3.1');
  });

  it('has answer schemas that compile as JSON Schema 2020-12 in ajv’s strict mode', () => {
    new DocumentChecker(document).compileAll();
  });

  it('documents every route the app serves, and the app serves every route it documents', () => {
    const app = createApp({ version } as ApiDependencies, () => undefined);
    assert.deepEqual(undocumentedRoutes(app, document), []);
    const served = new Set(app.routes.filter((route) => route.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    for (const [template, item] of Object.entries(document.paths))
      for (const method of Object.keys(item))
        assert.ok(
          served.has(`${method.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ':$1')}`),
          `${method} ${template}`,
        );
  });

  it('reports a route registered on the app without its operation', () => {
    const app = new Hono<AppEnv>();
    const child = new DocumentedRoutes('/jobs', 'jobs');
    child.on({ operationId: 'getJob', method: 'get', path: '/jobs/{jobId}', summary: 's', responses: {} }, (c) =>
      c.json({}),
    );
    child.app.delete('/:jobId', (c) => c.json({}));
    mount(app, child);
    const partial = openApiDocument(operationsOf(app), version);
    assert.deepEqual(undocumentedRoutes(app, partial), ['DELETE /jobs/:jobId']);
  });

  it('names operations as client methods, each once', () => {
    const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z][A-Za-z]+$/);
  });

  it('asks for a bearer token or SigV4 on every route but /health and /openapi.json, and describes both', () => {
    assert.deepEqual(document.security, [{ bearerAuth: [] }, { awsSigV4: [] }]);
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['awsSigV4', 'bearerAuth']);
    assert.match(JSON.stringify(document.components.securitySchemes.awsSigV4), /Signature Version 4/);
    for (const [template, item] of Object.entries(document.paths)) {
      for (const operation of Object.values(item)) {
        const open = template === '/health' || template === '/openapi.json';
        assert.deepEqual(operation.security, open ? [] : undefined, template);
        if (!open) assert.match(operation.responses['401']?.description ?? '', /UNAUTHORIZED/, template);
      }
    }
  });

  it('gives each error answer the {"error": {code, message}} shape with the codes the route can give', () => {
    const createJob = document.paths['/jobs']!.post!;
    const codes = (status: string) =>
      (createJob.responses[status]!.content!['application/json']!.schema as any).properties.error.properties.code.enum;
    assert.deepEqual(codes('400'), ['VALIDATION_FAILED', 'INVALID_JSON', 'QUERY_REFUSED', 'SANDBOX_UNAVAILABLE']);
    assert.deepEqual(codes('502'), ['HOST_UNAVAILABLE']);
    assert.deepEqual(codes('415'), ['UNSUPPORTED_MEDIA_TYPE']);
    assert.equal(
      document.paths['/jobs/{jobId}/cancel']!.post!.responses['409']!.description.includes('JOB_FINAL'),
      true,
    );
    for (const item of Object.values(document.paths))
      for (const operation of Object.values(item)) assert.ok(operation.responses['500'], operation.operationId);
  });

  describe('on the local stack', () => {
    let stack: StackProcess;
    before(async () => {
      stack = await startStackProcess();
    });
    after(async () => {
      await stack?.dispose();
    });

    it('GET /openapi.json answers the document without credentials', async () => {
      const response = await fetch(`${stack.apiUrl}/openapi.json`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const served = (await response.json()) as OpenApiDocument;
      assert.deepEqual(served, JSON.parse(JSON.stringify(document)));
    });

    it('every method of the typed client calls a route the document has', async () => {
      const called: string[] = [];
      const client = new CodyBatchClient({
        baseUrl: stack.apiUrl,
        auth: () => ({ authorization: `Bearer ${stack.token}` }),
        fetch: (input, init) => {
          called.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
          return fetch(input, init);
        },
      });
      const job = '0000000000aaaaaaaaaaaaaaaa';
      // One call per method; a method added to the client without a line here fails the test.
      const calls: Record<string, () => Promise<unknown>> = {
        health: () => client.health(),
        sandbox: () => client.sandbox(),
        createJob: () => client.createJob({ name: 'x', prompt: 'p', repositories: ['acme/widgets'] }),
        resolveRepositories: () => client.resolveRepositories({ repositoryQuery: { owners: ['acme'] } }),
        listJobs: () => client.listJobs(),
        allJobs: async () => {
          for await (const _ of client.allJobs()) break;
        },
        getJob: () => client.getJob(job),
        cancelJob: () => client.cancelJob(job),
        retryJob: () => client.retryJob(job),
        continueJob: () => client.continueJob(job),
        listRepositories: () => client.listRepositories(job),
        allRepositories: () => client.allRepositories(job),
        repositoryPages: async () => {
          for await (const _ of client.repositoryPages(job)) break;
        },
        getRepository: () => client.getRepository(job, 'acme/widgets'),
        getDiff: () => client.getDiff(job, 'acme/widgets', { attempt: 1 }),
        getThread: () => client.getThread(job, 'acme/widgets'),
        getLog: () => client.getLog(job, 'acme/widgets'),
        getTrigger: () => client.getTrigger(job, 'acme/widgets'),
        followUp: () => client.followUp(job, { reason: 'checks' }),
        deleteJob: () => client.deleteJob(job),
        reviewRepository: () =>
          client.reviewRepository(job, 'acme/widgets', { state: 'approved', digest: 'a'.repeat(64) }),
        getChanges: () => client.getChanges(job),
        getCodeHost: () => client.getCodeHost(),
        reviewChangeGroup: () =>
          client.reviewChangeGroup(job, 'a'.repeat(64), {
            state: 'approved',
            members: [{ repositoryName: 'acme/widgets', digest: 'a'.repeat(64) }],
          }),
        revisePatch: () => client.revisePatch(job, 'acme/widgets', { basedOn: 0, drop: [{ path: 'x' }] }),
        publish: () => client.publish(job),
        refreshPullRequests: () => client.refreshPullRequests(job),
        pullRequestAction: () => client.pullRequestAction(job, 'merge', {}),
        pullRequestActionAll: () => client.pullRequestActionAll(job, 'comment', { body: 'x' }),
        getOperation: () => client.getOperation(job, 'mxd1aaaaaaaaaaaaaa'),
        operationResults: () => client.operationResults(job, 'mxd1aaaaaaaaaaaaaa'),
        followOperation: () => client.followOperation(job, 'mxd1aaaaaaaaaaaaaa'),
      };
      // The client's prototype holds its routes only: how it sends them is common/apiTransport.ts.
      const methods = Object.getOwnPropertyNames(CodyBatchClient.prototype).filter((name) => name !== 'constructor');
      assert.deepEqual(methods.sort(), Object.keys(calls).sort());
      const checker = new DocumentChecker(document);
      for (const [name, call] of Object.entries(calls)) {
        called.length = 0;
        await call().catch(() => undefined);
        assert.ok(called.length > 0, `${name} sent nothing`);
        for (const request of called) {
          const [method, url] = request.split(' ') as [string, string];
          assert.ok(checker.match(method, url), `${name}: ${request} is not in the document`);
        }
      }
    });

    it('answers /health as documented', async () => {
      const response = await fetch(`${stack.apiUrl}/health`);
      await new DocumentChecker(document).check('GET', '/health', response);
      Health.parse(await response.json());
    });
  });
});
