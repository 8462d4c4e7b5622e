import assert from 'node:assert/strict';
import type { PullRequestInfo, RepositoryResult } from '../../common/schemas';
import { sampleJob, sampleRepository } from '../../test/helpers/jobs';
import {
  CONTEXT,
  hasWord,
  jobContextValue,
  jobTooltip,
  jobTreeDescription,
  repositoryAccessibilityLabel,
  repositoryIcon,
  repositoryTooltip,
  repositoryTreeDescription,
} from './present';

const pr = (overrides: Partial<PullRequestInfo> = {}): PullRequestInfo => ({
  url: 'https://github.com/acme/widgets/pull/7',
  number: 7,
  state: 'open',
  checks: 'none',
  review: 'none',
  mergeable: true,
  updatedAt: '2026-12-04T10:00:00Z',
  ...overrides,
});

const changed = (overrides: Partial<RepositoryResult> = {}) =>
  sampleRepository({ status: 'COMPLETED', diffStats: { files: 1, additions: 2, deletions: 1 }, ...overrides });

const review = (state: 'approved' | 'rejected', attempt = 1) => ({
  state,
  attempt,
  reviewedAt: '2026-12-04T09:00:00Z',
});

describe('tree rows: review and pull-request state', () => {
  it('draws merged, closed, draft and open pull requests with distinct codicons', () => {
    const icons = (['merged', 'closed', 'draft', 'open'] as const).map(
      (state) => repositoryIcon(changed({ pullRequest: pr({ state }) })).id,
    );
    assert.deepEqual(icons, ['git-merge', 'git-pull-request-closed', 'git-pull-request-draft', 'git-pull-request']);
    assert.equal(new Set(icons).size, 4);
  });

  it('colours an open pull request by its checks, and gives requested changes their own icon', () => {
    assert.deepEqual(repositoryIcon(changed({ pullRequest: pr({ checks: 'failing' }) })), {
      id: 'git-pull-request',
      color: 'testing.iconFailed',
    });
    assert.deepEqual(repositoryIcon(changed({ pullRequest: pr({ checks: 'passing' }) })), {
      id: 'git-pull-request',
      color: 'testing.iconPassed',
    });
    assert.equal(
      repositoryIcon(changed({ pullRequest: pr({ checks: 'passing', review: 'changes_requested' }) })).id,
      'request-changes',
    );
  });

  it('says the states in words in the description, tooltip and screen-reader label', () => {
    const row = changed({
      review: review('approved'),
      pullRequest: pr({ checks: 'failing', review: 'changes_requested' }),
      pullRequestUrl: 'https://github.com/acme/widgets/pull/7',
    });
    // What tells most first: a narrow sidebar cuts the end.
    assert.equal(repositoryTreeDescription(row), 'checks failing · changes requested · PR open · approved · +2 −1');
    assert.match(repositoryAccessibilityLabel(row), /changed, checks failing · changes requested · PR open · approved/);
    const tooltip = repositoryTooltip(row);
    assert.match(tooltip, /Review: approved/);
    assert.match(tooltip, /Pull request #7: open, checks failing, changes requested/);
    assert.equal(
      repositoryTreeDescription(changed({ pullRequest: pr({ state: 'merged', checks: 'failing' }) })),
      'PR merged · +2 −1',
    );
  });

  it('shows an approved or rejected diff without a pull request by its review, and forgets a review of an earlier attempt', () => {
    assert.equal(repositoryIcon(changed({ review: review('approved') })).id, 'thumbsup');
    assert.equal(repositoryIcon(changed({ review: review('rejected') })).id, 'thumbsdown');
    assert.match(
      repositoryTooltip(changed({ review: { ...review('rejected'), note: 'too\nbroad' } })),
      /Review: rejected — too broad/,
    );
    const retried = changed({ attempt: 2, review: review('approved', 1) });
    assert.equal(repositoryIcon(retried).id, 'pass-filled');
    assert.equal(repositoryTreeDescription(retried), '+2 −1 · attempt 2 of 2');
  });

  it('shows a publish under way and one that failed', () => {
    const publication = { runId: 'r1', requestedAt: '2026-12-04T09:00:00Z' };
    const queued = changed({ publication: { ...publication, status: 'publishing' } });
    assert.equal(repositoryIcon(queued).id, 'sync~spin');
    assert.match(repositoryTreeDescription(queued), /publishing/);
    const failed = changed({
      publication: { ...publication, status: 'failed', error: { code: 'PUSH_FAILED', message: 'refused' } },
    });
    assert.match(repositoryTreeDescription(failed), /publish failed/);
    assert.match(repositoryTooltip(failed), /Publish failed: PUSH_FAILED: refused/);
  });

  it('counts reviews and pull requests on the job row, and offers the job actions they allow', () => {
    const job = sampleJob({
      status: 'COMPLETED',
      counts: { total: 4, pending: 0, running: 0, completed: 4, noChanges: 0, failed: 0, cancelled: 0 },
      reviewCounts: { approved: 2, rejected: 1, unreviewed: 1 },
      pullRequestCounts: {
        open: 1,
        draft: 0,
        merged: 1,
        closed: 0,
        checksPassing: 1,
        checksFailing: 0,
        checksPending: 0,
        approved: 0,
        changesRequested: 0,
      },
    });
    assert.equal(jobTreeDescription(job), '4/4 done · 2 approved · 1 PR open · 1 merged · $0');
    assert.match(jobTooltip(job), /Pull requests: 1 open, 0 draft, 1 merged, 0 closed/);
    const words = jobContextValue(job);
    for (const word of [CONTEXT.publishable, CONTEXT.hasApproved, CONTEXT.hasPullRequests, CONTEXT.deletable])
      assert.ok(hasWord(words, word), word);
    assert.ok(!hasWord(words, CONTEXT.filtered));
    assert.ok(hasWord(jobContextValue(job, undefined, true), CONTEXT.filtered));
    const running = jobContextValue(sampleJob({ status: 'RUNNING' }));
    for (const word of [CONTEXT.hasApproved, CONTEXT.hasPullRequests, CONTEXT.deletable])
      assert.ok(!hasWord(running, word), word);
  });
});
