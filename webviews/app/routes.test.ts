import assert from 'node:assert/strict';
import { parseRoute, type Route, routeHref } from './routes';
import { tokenFromFragment } from './session';

// The web app's addresses: every page has one, it reads back as the same page, and a repository
// name with its slash (or anything odd) survives the trip.

describe('web app routes', () => {
  const routes: Route[] = [
    { page: 'jobs' },
    { page: 'jobs', pageToken: 'eyJrIjoiYS9iIn0=' },
    { page: 'job', jobId: '01hzzzzzzzzzzzzzzzzzzzzzzz' },
    { page: 'diff', jobId: 'j1', repositoryName: 'acme/widgets' },
    { page: 'diff', jobId: 'j1', repositoryName: 'acme/widgets', attempt: 3 },
    { page: 'diff', jobId: 'j1', repositoryName: 'acme/widgets', group: 'ab'.repeat(32) },
    { page: 'diff', jobId: 'j1', repositoryName: 'acme/widgets', revision: 0 },
    { page: 'thread', jobId: 'j1', repositoryName: 'acme/we?ird#name' },
    { page: 'log', jobId: 'j1', repositoryName: 'acme/widgets' },
    { page: 'create' },
  ];

  it('reads every page back from its own address', () => {
    for (const route of routes) assert.deepEqual(parseRoute(routeHref(route)), route, routeHref(route));
  });

  it('takes an empty address as the jobs, and anything else as not found', () => {
    assert.deepEqual(parseRoute(''), { page: 'jobs' });
    assert.deepEqual(parseRoute('#/'), { page: 'jobs' });
    assert.equal(parseRoute('#/jobs/a/b/c').page, 'notFound');
    assert.equal(parseRoute('#/jobs/j1/repositories/acme%2Fw/edit').page, 'notFound');
    assert.deepEqual(parseRoute('#/jobs/j1/repositories/acme%2Fw/thread?group=abc&revision=-1'), {
      page: 'thread',
      jobId: 'j1',
      repositoryName: 'acme/w',
    });
    assert.deepEqual(parseRoute('#/jobs/j1/repositories/acme%2Fw/diff?attempt=0'), {
      page: 'diff',
      jobId: 'j1',
      repositoryName: 'acme/w',
    });
  });

  it('finds the token only in the link the stack prints', () => {
    assert.equal(tokenFromFragment('#token=abc_DEF-123'), 'abc_DEF-123');
    assert.equal(tokenFromFragment('#/jobs'), undefined);
    assert.equal(tokenFromFragment('#token='), undefined);
    assert.equal(tokenFromFragment('#token=a b'), undefined);
    assert.equal(tokenFromFragment('#/jobs?token=abc'), undefined);
  });
});
