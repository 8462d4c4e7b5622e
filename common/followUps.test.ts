import assert from 'node:assert/strict';
import { sampleRepository } from '../test/helpers/jobs';
import { FOLLOW_UP_ACTIONS, isUnreviewedAutoPush, roundShown, roundWords, triggerParts } from './followUps';
import type { FollowUp, FollowUpTrigger, PullRequestInfo, RepositoryResult } from './schemas';

// Which pull requests each follow-up action takes (as the server picks them, from what the rows
// last recorded), how a round is said on its row, and what the diff view shows of its trigger.

const pull = (info: Partial<PullRequestInfo> = {}): PullRequestInfo => ({
  url: 'https://github.com/acme/a/pull/1',
  number: 1,
  state: 'open',
  checks: 'passing',
  review: 'none',
  mergeable: true,
  updatedAt: '2026-01-01T00:00:00Z',
  ...info,
});
const round = (fields: Partial<FollowUp> = {}): FollowUp => ({
  attempt: 2,
  round: 1,
  reason: 'checks',
  push: 'review',
  requestedAt: '2026-01-02T00:00:00Z',
  branch: 'cody-batch/x',
  baseBranch: 'main',
  ...fields,
});
const row = (fields: Partial<RepositoryResult>) =>
  sampleRepository({ status: 'COMPLETED', pullRequestUrl: 'https://github.com/acme/a/pull/1', ...fields });

describe('follow-up actions', () => {
  it('each reason takes the open pull requests it applies to', () => {
    const applies = (reason: keyof typeof FOLLOW_UP_ACTIONS, fields: Partial<RepositoryResult>) =>
      FOLLOW_UP_ACTIONS[reason].applies(row(fields));
    assert.ok(applies('checks', { pullRequest: pull({ checks: 'failing' }) }));
    assert.ok(!applies('checks', { pullRequest: pull({ checks: 'pending' }) }));
    assert.ok(!applies('checks', { pullRequest: pull({ checks: 'failing', state: 'merged' }) }));
    assert.ok(applies('conflicts', { pullRequest: pull({ mergeable: false }) }));
    assert.ok(!applies('conflicts', { pullRequest: pull({ mergeable: null }) }));
    assert.ok(applies('instruction', { pullRequest: pull({ state: 'draft' }) }));
    assert.ok(!applies('instruction', {}), 'no pull request, no round');
    // Review: changes requested before any round, or someone spoke after the last review round.
    assert.ok(applies('review', { pullRequest: pull({ review: 'changes_requested' }) }));
    assert.ok(applies('review', { pullRequest: pull({ feedbackAt: '2026-01-01T00:00:00Z' }) }));
    const answered = { followUp: round({ reason: 'review', requestedAt: '2026-01-03T00:00:00Z' }) };
    assert.ok(
      !applies('review', {
        ...answered,
        pullRequest: pull({ review: 'changes_requested', feedbackAt: '2026-01-02T00:00:00Z' }),
      }),
    );
    assert.ok(applies('review', { ...answered, pullRequest: pull({ feedbackAt: '2026-01-04T00:00:00Z' }) }));
    // A checks round since keeps what the review round answered.
    const later = { followUp: round({ reason: 'checks', since: '2026-01-03T00:00:00Z' }) };
    assert.ok(!applies('review', { ...later, pullRequest: pull({ feedbackAt: '2026-01-02T00:00:00Z' }) }));
  });

  it('says a row’s round, and whether its diff is on the pull request yet', () => {
    assert.deepEqual(roundWords(row({ attempt: 2, followUp: round(), publishedAttempt: 1 })), [
      'round 1 · fixing failing checks · not pushed yet',
    ]);
    assert.deepEqual(roundWords(row({ attempt: 2, followUp: round(), publishedAttempt: 2 })), [
      'round 1 · fixing failing checks',
    ]);
    assert.deepEqual(roundWords(row({ attempt: 3, followUp: round() })), [], 'a later attempt is no round');
    const auto = round({ push: 'auto' });
    assert.deepEqual(roundWords(row({ attempt: 2, followUp: auto, publishedAttempt: 2 })), [
      'round 1 · fixing failing checks · pushed without review',
    ]);
    assert.deepEqual(
      roundWords(row({ attempt: 2, followUp: auto, publishedAttempt: 1 })),
      ['round 1 · fixing failing checks · not pushed yet'],
      'an auto round held for review (auto-merge was on)',
    );
  });

  it('knows a round pushed without review, on its way or pushed, until its diff is approved (the push rule)', () => {
    const auto = round({ push: 'auto' });
    const approved = { state: 'approved' as const, attempt: 2, reviewedAt: '2026-01-03T00:00:00Z' };
    assert.ok(isUnreviewedAutoPush(row({ attempt: 2, followUp: auto, publishedAttempt: 2 })));
    assert.ok(isUnreviewedAutoPush(row({ attempt: 2, followUp: auto, status: 'RUNNING', publishedAttempt: 1 })));
    assert.ok(isUnreviewedAutoPush(row({ attempt: 2, followUp: auto, status: 'PENDING', publishedAttempt: 1 })));
    assert.ok(!isUnreviewedAutoPush(row({ attempt: 2, followUp: auto, publishedAttempt: 2, review: approved })));
    assert.ok(!isUnreviewedAutoPush(row({ attempt: 2, followUp: auto, publishedAttempt: 1 })), 'held, not pushed');
    assert.ok(!isUnreviewedAutoPush(row({ attempt: 2, followUp: auto, status: 'FAILED', publishedAttempt: 1 })));
    assert.ok(!isUnreviewedAutoPush(row({ attempt: 2, followUp: round(), publishedAttempt: 2 })), 'a reviewed round');
    assert.ok(!isUnreviewedAutoPush(row({ attempt: 3, followUp: auto, publishedAttempt: 3 })), 'a later attempt');
  });

  it('lists a trigger for the diff view, in the order Claude read it, as text', async () => {
    const trigger: FollowUpTrigger = {
      reason: 'checks',
      collectedAt: '2026-01-02T00:00:00Z',
      head: 'a'.repeat(40),
      checks: [
        {
          kind: 'check',
          name: 'lint',
          conclusion: 'failure',
          title: '1 error',
          annotations: [{ path: 'src/a.ts', line: 3, level: 'failure', message: '<b>x</b> is not defined' }],
          logTail: 'error: x is not defined',
          url: 'https://github.com/acme/a/runs/1',
        },
        { kind: 'status', name: 'ci/legacy', conclusion: 'error', summary: 'Build errored', annotations: [] },
      ],
    };
    assert.deepEqual(triggerParts(trigger), [
      {
        title: 'Check lint: failure',
        text: '1 error\nsrc/a.ts:3 (failure): <b>x</b> is not defined\n\n… the end of its log:\nerror: x is not defined',
        url: 'https://github.com/acme/a/runs/1',
      },
      { title: 'Status ci/legacy: error', text: 'Build errored', url: undefined },
    ]);
    const shown = await roundShown(
      { getTrigger: async () => trigger },
      row({ attempt: 2, followUp: round({ triggerSummary: '2 failing checks: lint, ci/legacy' }) }),
      2,
    );
    assert.equal(shown?.heading, 'Follow-up round 1: fixing failing checks — 2 failing checks: lint, ci/legacy');
    const unreadable = await roundShown(
      {
        getTrigger: async () => {
          throw new Error('HTTP 404');
        },
      },
      row({ attempt: 2, followUp: round() }),
      2,
    );
    assert.deepEqual(unreadable?.parts, []);
    assert.match(unreadable!.note!, /could not be read: HTTP 404/);
    assert.equal(await roundShown({ getTrigger: async () => trigger }, row({ attempt: 1 }), 1), undefined);
  });
});
