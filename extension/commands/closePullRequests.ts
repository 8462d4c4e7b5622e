import { openPullRequest } from '../../common/pullRequestCounts';
import { countOf } from '../pullRequestTargets';
import { confirmWithBranches, pullRequestCommand, runPullRequestAction } from './pullRequestActions';

/** Closes the job's open (and draft) pull requests, those the tree shows; a modal names how many. */
export const closePullRequests = pullRequestCommand({
  id: 'codyBatch.closePullRequests',
  doing: 'Closing pull requests',
  purpose: 'close pull requests',
  choose: { take: openPullRequest, words: 'open or draft' },
  none: (job) => `"${job.name}" has no open pull request to close.`,
  async act(services, job, targets) {
    const close = `Close ${countOf(targets.rows.length, 'pull request')}`;
    const branches = await confirmWithBranches(`${close} of "${job.name}"?`, close, targets);
    if (!branches) return;
    await runPullRequestAction(services, job, targets, 'close', branches, {
      title: `closing pull requests of "${job.name}"`,
      done: 'Closed',
    });
  },
});
