import assert from 'node:assert/strict';
import { isRepositoryName } from '../../common/repositoryNames';
import { parseRoute, type Route, routeHref } from './routes';
import { tokenFromFragment } from './session';

// The web app's addresses: every page has one, it reads back as the same page, and a repository
// name with its slash (or anything odd) survives the trip.

/** The longest name a job takes (255 characters, 22 segments): each slash is three characters in an address. */
const LONGEST = [...Array.from({ length: 21 }, (_, i) => `g${String(i).padStart(9, '0')}`), 'p'.repeat(24)].join('/');

describe('web app routes', () => {
  it('has the longest name as a repository name', () => {
    assert.ok(isRepositoryName(LONGEST));
    assert.equal(LONGEST.length, 255);
  });

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
    // GitLab's nested groups: three and more segments, up to the longest name a job takes.
    { page: 'diff', jobId: 'j1', repositoryName: 'acme/platform/tools/widgets', attempt: 2 },
    { page: 'thread', jobId: 'j1', repositoryName: LONGEST },
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
