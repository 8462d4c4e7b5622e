import assert from 'node:assert/strict';
import { isRepositoryName } from '../../common/repositoryNames';
import { RepositoryQuery } from '../../common/schemas';
import {
  type CodeHost,
  HostRefusal,
  opensPullRequests,
  type PullRequestRequest,
  pullRequestKey,
  pullRequestsOf,
} from './codeHost';

// The behaviour every code host owes Cody Batch (./README.md), as one mocha suite each host's test
// runs against its loopback server: github/github.test.ts, gitlab/gitlab.test.ts. A new host gets
// these checks by calling it with its own world.

export interface ContractWorld {
  host: CodeHost;
  /** An owner the host lists, and the names it must give for it (in any order). */
  owner: string;
  ownerRepositories: string[];
  /** With pull requests: a repository the host opens them on, with `head` pushed ahead of `base`. */
  pullRequestRepository?: string;
  head?: string;
  base?: string;
  /** Someone pushes to `head` on the host: its head commit moves. */
  moveHead?(): Promise<void>;
  dispose(): Promise<void>;
}

/** Declares the suite; `pullRequests` says whether the host opens them (else it must refuse, saying why). */
export function describeCodeHostContract(
  label: string,
  makeWorld: () => Promise<ContractWorld>,
  options: { pullRequests: boolean },
): void {
  describe(`${label}: the code host contract`, function () {
    this.timeout(60_000);
    let world: ContractWorld;
    before(async () => {
      world = await makeWorld();
    });
    after(async () => {
      await world?.dispose();
    });

    it('names each repository of an owner once, valid by its own rules, in the same order every time', async () => {
      const query = RepositoryQuery.parse({ owners: [world.owner] });
      const first = await world.host.resolveQuery(query);
      const second = await world.host.resolveQuery(query);
      assert.deepEqual(first.repositories, second.repositories);
      assert.deepEqual([...first.repositories].sort(), [...world.ownerRepositories].sort());
      assert.equal(new Set(first.repositories.map((name) => name.toLowerCase())).size, first.repositories.length);
      for (const name of first.repositories) {
        assert.ok(isRepositoryName(name), name);
        assert.equal(world.host.names.repository(name), undefined, name);
      }
    });

    if (!options.pullRequests) {
      it('refuses pull requests with a sentence saying what to do instead', () => {
        assert.equal(opensPullRequests(world.host), false);
        assert.throws(
          () => pullRequestsOf(world.host),
          (error: Error) => error instanceof HostRefusal && /\w+ \w+/.test(error.message),
        );
      });
      return;
    }

    /** The pull request every check below asks the host for. */
    const contractRequest = (body = ''): PullRequestRequest => ({
      repositoryName: world.pullRequestRepository!,
      head: world.head!,
      base: world.base!,
      title: 'Contract',
      body,
      draft: false,
      labels: [],
      reviewers: [],
      teamReviewers: [],
    });

    it('never opens two pull requests for one head, and leaves out one it does not have', async () => {
      const pullRequests = pullRequestsOf(world.host);
      const request = contractRequest('The same change, asked for twice.');
      const opened = await pullRequests.ensurePullRequest(request);
      const again = await pullRequests.ensurePullRequest({ ...request, title: 'Contract, again' });
      assert.equal(opened.created, true);
      assert.equal(again.created, false);
      assert.equal(again.url, opened.url);
      assert.equal(again.number, opened.number);

      const ref = { repositoryName: request.repositoryName, number: opened.number! };
      const unknown = { repositoryName: request.repositoryName, number: opened.number! + 1_000 };
      const statuses = await pullRequests.pullRequestStatuses([ref, unknown]);
      assert.equal(statuses.get(pullRequestKey(ref))?.state, 'open');
      assert.equal(statuses.has(pullRequestKey(unknown)), false);
    });

    it('finds nothing for a round to act on in a quiet pull request, and refuses an address that is not a comment', async () => {
      const pullRequests = pullRequestsOf(world.host);
      const opened = await pullRequests.ensurePullRequest(contractRequest());
      const ref = { repositoryName: world.pullRequestRepository!, number: opened.number! };
      const status = (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;
      assert.deepEqual(await pullRequests.failingChecks(ref, status.headSha), []);
      assert.deepEqual(await pullRequests.reviewFeedback(ref), []);
      assert.equal(status.feedbackAt, undefined);
      await assert.rejects(pullRequests.pullRequestComment(`${opened.url}#not-a-comment`), HostRefusal);
    });

    it('refuses a merge once the head moved past the one checked, and leaves the pull request open', async () => {
      const pullRequests = pullRequestsOf(world.host);
      const ref = {
        repositoryName: world.pullRequestRepository!,
        number: (await pullRequests.ensurePullRequest(contractRequest())).number!,
      };
      const checked = (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;
      await world.moveHead!();
      await assert.rejects(
        pullRequests.mergePullRequest(ref, { method: 'merge', expectedHeadSha: checked.headSha, deleteBranch: false }),
        HostRefusal,
      );
      const after = (await pullRequests.pullRequestStatuses([ref])).get(pullRequestKey(ref))!;
      assert.equal(after.state, 'open');
      assert.notEqual(after.headSha, checked.headSha);
    });
  });
}
