import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LOG_LANGUAGE } from '../../common/names';
import { JobStatus, RepositoryStatus } from '../../common/status';
import { sampleJob, sampleRepository } from '../../test/helpers/jobs';
import {
  CONTEXT,
  hasWord,
  jobAccessibilityLabel,
  jobContextValue,
  finishNotice,
  groupContextValue,
  jobDescription,
  jobIcon,
  jobStatusText,
  jobTooltip,
  jobTreeDescription,
  repositoryIcon,
  repositoryContextValue,
  repositoryOpenCommand,
  repositoryDescription,
  repositoryTooltip,
} from './present';

describe('tree presentation', () => {
  it('describes a job failures first, so a narrow sidebar cuts the cost, not the failures', () => {
    const job = sampleJob({
      name: 'Update API calls',
      status: 'RUNNING',
      counts: { total: 40, pending: 25, running: 3, completed: 8, noChanges: 1, failed: 3, cancelled: 0 },
      usage: { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.8412 },
    });
    assert.equal(jobDescription(job), '12/40 done · 3 running · 3 failed · $0.84', 'the CLI’s line is unchanged');
    assert.equal(jobTreeDescription(job), '3 failed · 12/40 done · 3 running · $0.84');
    assert.equal(jobIcon(job).id, 'sync~spin');
    assert.equal(jobAccessibilityLabel(job), `${job.name}, running, 3 failed · 12/40 done · 3 running · $0.84`);
  });

  it('counts failing verification on the job, and never shows such a job with a green tick', () => {
    const job = sampleJob({
      name: 'Verified',
      status: 'COMPLETED_WITH_ERRORS',
      counts: { total: 40, pending: 0, running: 0, completed: 30, noChanges: 7, failed: 3, cancelled: 0 },
    });
    // A command job: one of the three FAILED rows failed its verification.
    const verify = { failing: 2, failedRows: 1 };
    assert.equal(jobTreeDescription(job, verify), '2 failed · 2 failing verification · 40/40 done · $0');
    const clean = sampleJob({
      status: 'COMPLETED',
      counts: { total: 3, pending: 0, running: 0, completed: 3, noChanges: 0, failed: 0, cancelled: 0 },
    });
    assert.equal(jobIcon(clean).id, 'pass-filled');
    assert.equal(jobIcon(clean, { failing: 1, failedRows: 0 }).id, 'unverified');
    assert.equal(jobStatusText(clean, { failing: 1, failedRows: 0 }), 'completed · 1 failing verification');
    const notice = finishNotice({ job: clean, verification: { failing: 1, failedRows: 0 } });
    assert.equal(notice.level, 'warning');
    assert.match(notice.text, /"Sample job" completed · 1 failing verification \(1 failing verification · 3\/3 done/);
    assert.equal(finishNotice({ job: clean }).level, 'info');
    const failedVerification = sampleRepository({
      status: 'COMPLETED',
      verification: { command: 'npm test', passed: false, rounds: 3, outputTail: '' },
    });
    assert.equal(repositoryIcon(failedVerification).id, 'unverified');
    assert.match(repositoryTooltip(failedVerification), /Verify npm test: FAILED after 3 rounds/);
  });

  it('announces a finished sample and offers to continue', () => {
    const job = sampleJob({
      name: 'Try it',
      status: 'SAMPLED',
      sample: { size: 2 },
      counts: { total: 5, pending: 3, running: 0, completed: 1, noChanges: 0, failed: 1, cancelled: 0 },
    });
    const notice = finishNotice({ job });
    assert.equal(
      notice.text,
      'Cody Batch: sample finished: 2 of 5 repositories of "Try it" (1 changed, 1 failed). Continue with the other 3?',
    );
    assert.deepEqual(notice.buttons, ['Continue', 'Show Job']);
    assert.ok(hasWord(jobContextValue(job), CONTEXT.continuable));
    assert.ok(!hasWord(jobContextValue(sampleJob({ status: 'RUNNING' })), CONTEXT.continuable));
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
    assert.match(revised, /Prompt as revised \(revision 2\):\nDo it better/);
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

  it('shows tooltips as plain text: no escape backslashes, and a name cannot make a link', () => {
    const tooltip = jobTooltip(
      sampleJob({ name: 'Ship it now!', model: 'claude-sonnet-5-5', description: '[click](https://evil.example)' }),
    );
    assert.ok(!tooltip.includes('\\'), 'no backslash anywhere');
    assert.match(tooltip, /^Ship it now! — pending/);
    assert.match(tooltip, /Model claude-sonnet-5-5/);
    // A string tooltip is not markdown (nodes.ts passes it as is): the brackets are just text.
    assert.match(tooltip, /\[click\]\(https:\/\/evil\.example\)/);
    const repo = repositoryTooltip(
      sampleRepository({
        status: 'COMPLETED',
        diffStats: { files: 1, additions: 1, deletions: 1 },
        error: undefined,
        summary: 'Renamed `a` to `b`!',
      }),
    );
    assert.match(repo, /^acme\/widgets — changed\n\n1 file changed, \+1 −1/);
    assert.ok(!repo.includes('\\'));
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
      CONTEXT.continuable,
      CONTEXT.hasFailed,
    ]) {
      assert.ok(
        clauses.some((clause) => clause.includes(`\\b${word}\\b/`)),
        `a menu offers something on ${word}`,
      );
    }
  });

  it('never puts an action on a row whose opposite can appear under the cursor after a click', async () => {
    const manifest = JSON.parse(await readFile(path.join(__dirname, '../../package.json'), 'utf8'));
    type Entry = { command?: string; submenu?: string; when: string; group: string };
    const matching = (entries: Entry[]) =>
      entries.map((entry) => ({
        command: entry.command ?? entry.submenu,
        matches: new RegExp(/viewItem =~ \/(.*)\/$/.exec(entry.when)![1]!),
      }));
    const inline = matching(
      (manifest.contributes.menus['view/item/context'] as Entry[]).filter((entry) => entry.group.startsWith('inline')),
    );
    const inlineOn = (value: string) =>
      inline.filter((entry) => entry.matches.test(value)).map((entry) => entry.command);
    const jobActions = matching(manifest.contributes.menus['codyBatch.jobActions'] as Entry[]);
    const jobActionsOn = (value: string) =>
      jobActions.filter((entry) => entry.matches.test(value)).map((entry) => entry.command);
    for (const status of JobStatus.options) {
      for (const failed of [0, 1]) {
        const job = sampleJob({
          status,
          counts: { total: 3, pending: 0, running: 0, completed: 3 - failed, noChanges: 0, failed, cancelled: 0 },
        });
        // Retry turns a job into a running one (which offers Cancel): retry is never inline on a job.
        assert.ok(!inlineOn(jobContextValue(job)).includes('codyBatch.retryFailed'), `no inline retry on ${status}`);
      }
    }
    // A job row has one inline button, its menu of actions (a menu closes on a click: nothing of
    // it stays under the cursor), so the row's summary keeps the room.
    const sampled = jobContextValue(sampleJob({ status: 'SAMPLED' }));
    assert.deepEqual(inlineOn(sampled), ['codyBatch.jobActions']);
    assert.deepEqual(jobActionsOn(sampled).sort(), [
      'codyBatch.cancelJob',
      'codyBatch.continueJob',
      'codyBatch.filterRepositories',
      'codyBatch.showOverview',
    ]);
    const finalJob = sampleJob({ status: 'COMPLETED_WITH_ERRORS' });
    const failedRow = sampleRepository({ status: 'FAILED', error: { code: 'CLONE_FAILED', message: 'x' } });
    assert.ok(inlineOn(repositoryContextValue(finalJob, failedRow)).includes('codyBatch.retryFailed'));
    assert.ok(inlineOn(groupContextValue(finalJob, [failedRow])).includes('codyBatch.retryFailed'));
    assert.ok(!inlineOn(repositoryContextValue(finalJob, failedRow)).includes('codyBatch.cancelJob'));
  });

  it('opens a kept failed change for reading, without apply or download', async () => {
    const manifest = JSON.parse(await readFile(path.join(__dirname, '../../package.json'), 'utf8'));
    const entries = manifest.contributes.menus['view/item/context'] as { command: string; when: string }[];
    const offered = (value: string) =>
      entries
        .filter((entry) => new RegExp(/viewItem =~ \/(.*)\/$/.exec(entry.when)![1]!).test(value))
        .map((entry) => entry.command);
    const job = sampleJob({ prompt: undefined, command: 'make', status: 'FAILED' });
    const kept = sampleRepository({
      status: 'FAILED',
      error: { code: 'VERIFY_FAILED', message: 'tests failed' },
      diffStats: { files: 1, additions: 1, deletions: 0 },
    });
    const value = repositoryContextValue(job, kept);
    assert.ok(offered(value).includes('codyBatch.viewDiff'));
    assert.ok(!offered(value).includes('codyBatch.applyPatch'));
    assert.ok(!offered(value).includes('codyBatch.downloadPatch'));
    assert.equal(repositoryOpenCommand(job, kept), 'codyBatch.viewDiff', 'a click shows what the command did');
  });

  it('opens logs where word wrap is on', async () => {
    const manifest = JSON.parse(await readFile(path.join(__dirname, '../../package.json'), 'utf8'));
    assert.ok(manifest.contributes.languages.some((language: { id: string }) => language.id === LOG_LANGUAGE));
    assert.equal(manifest.contributes.configurationDefaults[`[${LOG_LANGUAGE}]`]['editor.wordWrap'], 'on');
  });
});
