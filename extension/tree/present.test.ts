import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { JobStatus, RepositoryStatus } from '../../common/status';
import { sampleJob, sampleRepository } from '../../test/helpers/jobs';
import {
  CONTEXT,
  hasWord,
  jobAccessibilityLabel,
  jobContextValue,
  jobDescription,
  jobIcon,
  jobTooltip,
  repositoryContextValue,
  repositoryOpenCommand,
  repositoryDescription,
  repositoryTooltip,
} from './present';

describe('tree presentation', () => {
  it('describes a job as done/total, failures and cost', () => {
    const job = sampleJob({
      name: 'Update API calls',
      status: 'RUNNING',
      counts: { total: 40, pending: 25, running: 3, completed: 8, noChanges: 1, failed: 3, cancelled: 0 },
      usage: { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.8412 },
    });
    assert.equal(jobDescription(job), '12/40 done · 3 running · 3 failed · $0.84');
    assert.equal(jobIcon(job).id, 'sync~spin');
    assert.equal(jobAccessibilityLabel(job), `${job.name}, running, 12/40 done · 3 running · 3 failed · $0.84`);
  });

  it('gives every status its own icon, spinning only while work goes on', () => {
    const ids = JobStatus.options.map((status) => jobIcon({ status }).id);
    assert.equal(new Set(ids).size, ids.length);
    for (const status of JobStatus.options) {
      assert.equal(jobIcon({ status }).id.endsWith('~spin'), status === 'RUNNING' || status === 'CANCELLING', status);
    }
  });

  it('shows a SAMPLED job as sampled, waiting, with its own icon', () => {
    const job = sampleJob({
      status: 'SAMPLED',
      sample: { size: 2 },
      counts: { total: 5, pending: 3, running: 0, completed: 1, noChanges: 0, failed: 1, cancelled: 0 },
    });
    assert.equal(jobDescription(job), '2/5 sampled · 3 waiting · 1 failed · $0');
    assert.equal(jobIcon(job).id, 'beaker');
    assert.match(jobTooltip(job), /A sample of 2 has run; 3 repositories wait for a continue/);
    const revised = jobTooltip(
      sampleJob({ taskRevisions: [{ revision: 2, prompt: 'Do it better', createdAt: job.createdAt }] }),
    );
    assert.match(revised, /Prompt as revised \(revision 2\):\n\n```text\nDo it better/);
  });

  it('describes repositories with their status and +a −d', () => {
    assert.equal(
      repositoryDescription(
        sampleRepository({ status: 'COMPLETED', diffStats: { files: 2, additions: 12, deletions: 3 } }),
      ),
      'completed · +12 −3',
    );
    assert.equal(
      repositoryDescription(
        sampleRepository({
          status: 'FAILED',
          attempt: 2,
          error: { code: 'CLONE_FAILED', message: 'no such repository' },
        }),
      ),
      'failed · CLONE_FAILED · attempt 2',
    );
    assert.equal(repositoryDescription(sampleRepository({ status: 'NO_CHANGES' })), 'no changes');
  });

  it('escapes markdown in tooltips, so a job name cannot add links or HTML', () => {
    const tooltip = jobTooltip(sampleJob({ name: '[click](https://evil.example) <img src=x>' }));
    assert.ok(!tooltip.includes('[click](https'));
    assert.doesNotMatch(tooltip, /(^|[^\\])</, 'every < is escaped');
    assert.match(tooltip, /\\\[click\\\]/);
    const repo = repositoryTooltip(
      sampleRepository({ status: 'FAILED', error: { code: 'X', message: '<script>alert(1)</script>' } }),
    );
    assert.doesNotMatch(repo, /(^|[^\\])</, 'every < is escaped');
  });
});

describe('contextValue rules', () => {
  const words = (value: string) => value.split(' ');

  it('offers cancel only on active jobs, and retry only on final jobs with failures', () => {
    for (const status of JobStatus.options) {
      const failed = sampleJob({
        status,
        counts: { total: 3, pending: 0, running: 0, completed: 2, noChanges: 0, failed: 1, cancelled: 0 },
      });
      const clean = sampleJob({
        status,
        counts: { total: 3, pending: 0, running: 0, completed: 3, noChanges: 0, failed: 0, cancelled: 0 },
      });
      const active = status === 'PENDING' || status === 'RUNNING' || status === 'SAMPLED';
      assert.equal(hasWord(jobContextValue(failed), CONTEXT.cancellable), active, `cancel on ${status}`);
      const final = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'].includes(status);
      assert.equal(hasWord(jobContextValue(failed), CONTEXT.retryable), final, `retry on ${status} with a failure`);
      assert.equal(hasWord(jobContextValue(clean), CONTEXT.retryable), false, `no retry on ${status} without failures`);
      assert.equal(words(jobContextValue(clean))[0], 'job');
    }
  });

  it('offers diff, apply and download only on repositories with changes, and the PR action only with a PR', () => {
    const job = sampleJob({ status: 'COMPLETED_WITH_ERRORS' });
    for (const status of RepositoryStatus.options) {
      const value = repositoryContextValue(job, sampleRepository({ status }));
      assert.equal(hasWord(value, CONTEXT.hasDiff), status === 'COMPLETED', `diff on ${status}`);
      assert.equal(hasWord(value, CONTEXT.hasPullRequest), false);
      assert.equal(
        hasWord(value, CONTEXT.retryable),
        status === 'FAILED' || status === 'CANCELLED',
        `retry on ${status}`,
      );
      assert.equal(hasWord(value, CONTEXT.hasThread), status !== 'PENDING', `thread on ${status}`);
    }
    const withPr = repositoryContextValue(
      job,
      sampleRepository({ status: 'COMPLETED', pullRequestUrl: 'https://github.com/acme/widgets/pull/1' }),
    );
    assert.ok(hasWord(withPr, CONTEXT.hasPullRequest));
  });

  it('offers no Claude thread for a job run by a shell command, and no retry while the job runs', () => {
    const commandJob = sampleJob({ prompt: undefined, command: 'sed -i s/a/b/ x', status: 'RUNNING' });
    const value = repositoryContextValue(commandJob, sampleRepository({ status: 'FAILED' }));
    assert.equal(hasWord(value, CONTEXT.hasThread), false);
    assert.equal(hasWord(value, CONTEXT.retryable), false);
    assert.equal(hasWord(value, CONTEXT.hasLog), true);
  });

  it('opens on click what a row has to show: the diff, else the thread, else the log', () => {
    const promptJob = sampleJob({ status: 'COMPLETED_WITH_ERRORS' });
    const commandJob = sampleJob({ prompt: undefined, command: 'sed -i s/a/b/ x', status: 'COMPLETED_WITH_ERRORS' });
    assert.equal(repositoryOpenCommand(promptJob, sampleRepository({ status: 'COMPLETED' })), 'codyBatch.viewDiff');
    assert.equal(repositoryOpenCommand(promptJob, sampleRepository({ status: 'FAILED' })), 'codyBatch.viewThread');
    assert.equal(repositoryOpenCommand(commandJob, sampleRepository({ status: 'COMPLETED' })), 'codyBatch.viewDiff');
    assert.equal(
      repositoryOpenCommand(commandJob, sampleRepository({ status: 'FAILED' })),
      'codyBatch.viewLog',
      'a failed command run shows its log',
    );
    assert.equal(repositoryOpenCommand(commandJob, sampleRepository({ status: 'NO_CHANGES' })), 'codyBatch.viewLog');
    assert.equal(repositoryOpenCommand(promptJob, sampleRepository({ status: 'PENDING' })), undefined);
  });

  it("keeps the manifest's when clauses in step with these words", async () => {
    const manifest = JSON.parse(await readFile(path.join(__dirname, '../../package.json'), 'utf8'));
    const clauses: string[] = Object.values(manifest.contributes.menus as Record<string, { when?: string }[]>)
      .flat()
      .map((entry) => entry.when ?? '');
    for (const word of [
      CONTEXT.cancellable,
      CONTEXT.retryable,
      CONTEXT.hasDiff,
      CONTEXT.hasPullRequest,
      CONTEXT.hasThread,
      CONTEXT.hasLog,
    ]) {
      assert.ok(
        clauses.some((clause) => clause.includes(`viewItem =~ /\\b${word}\\b/`)),
        `a menu offers something on ${word}`,
      );
    }
  });
});
