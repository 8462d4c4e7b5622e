// `npm run bench -- pullRequests`: what one refresh of 1,000 pull requests costs in requests to
// GitHub, through the real Octokit against the loopback GitHub (test/fakes/githubServer.ts). Cody
// Batch's way (GraphQL, 100 pull requests a query: the code host's pullRequestStatuses) against the
// naive REST way (per pull request: the PR, its check runs, its commit statuses, its reviews), and
// the same REST way repeated with ETags (If-None-Match), where an unchanged answer is a 304 that
// GitHub does not count against the rate limit but that is still a request.
// Then GitLab, through our REST client against the loopback GitLab (test/fakes/gitlabServer.ts):
// 1,000 merge requests in as many projects (70% open, 30% merged), Cody Batch's way (the merge
// request, and an open one's approvals) against the naive way (per merge request: the merge
// request, its pipelines, its approvals).
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { codeHostFrom, pullRequestsOf } from '../backend/hosts';
import { createGitHubClient } from '../backend/hosts/github/client';
import { startFakeGitHub } from '../test/fakes/githubServer';
import { startFakeGitLab } from '../test/fakes/gitlabServer';
import { createGitHosting, git } from '../test/helpers/git';

const TOKEN = 'ghp_FAKEgithubTOKENforTheBenchmark012345678';
const COUNT = Number(process.env.BENCH_PULL_REQUESTS ?? 1_000);

export async function main(): Promise<void> {
  const github = await startFakeGitHub({ token: TOKEN });
  try {
    const refs = Array.from({ length: COUNT }, (_, index) => {
      const pull = github.addPull({ owner: `org${index % 13}`, repo: `service-${index}`, head: 'cody-batch/bench' });
      pull.checkRuns = [{ name: 'build', status: 'completed', conclusion: index % 5 ? 'success' : 'failure' }];
      pull.statuses = [{ context: 'ci/lint', state: 'success' }];
      if (index % 3 === 0) pull.reviews = [{ user: 'alice', state: 'APPROVED' }];
      return { repositoryName: `${pull.owner}/${pull.repo}`, number: pull.number, headSha: pull.headSha };
    });
    const per1000 = (requests: number) => Math.round((requests * 1_000) / COUNT);
    const rows: [string, number, number, string][] = [];

    const host = codeHostFrom({ gitBase: 'https://x/{owner}/{name}.git', apiUrl: github.url, token: TOKEN });
    let before = github.requests.length;
    let started = performance.now();
    const statuses = await pullRequestsOf(host).pullRequestStatuses(refs);
    if (statuses.size !== COUNT) throw new Error(`GraphQL answered ${statuses.size} of ${COUNT}`);
    rows.push([
      'Cody Batch: GraphQL, 100 a query',
      github.requests.length - before,
      performance.now() - started,
      'each',
    ]);

    // The naive way: four REST reads per pull request, ten at a time (Octokit's throttling allows 10).
    const octokit = createGitHubClient({ token: TOKEN, baseUrl: github.url });
    const etags = new Map<string, string>();
    const restRefresh = async (conditional: boolean) => {
      let notModified = 0;
      let next = 0;
      const lane = async () => {
        while (next < refs.length) {
          const ref = refs[next++]!;
          const [owner, repo] = ref.repositoryName.split('/') as [string, string];
          for (const path of [
            `/repos/${owner}/${repo}/pulls/${ref.number}`,
            `/repos/${owner}/${repo}/commits/${ref.headSha}/check-runs`,
            `/repos/${owner}/${repo}/commits/${ref.headSha}/status`,
            `/repos/${owner}/${repo}/pulls/${ref.number}/reviews`,
          ]) {
            const etag = conditional ? etags.get(path) : undefined;
            try {
              const response = await octokit.request(`GET ${path}`, {
                headers: etag ? { 'if-none-match': etag } : {},
              });
              const received = response.headers.etag;
              if (received) etags.set(path, received);
            } catch (error) {
              if ((error as { status?: number }).status !== 304) throw error;
              notModified++;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: 10 }, lane));
      return notModified;
    };
    before = github.requests.length;
    started = performance.now();
    await restRefresh(false);
    rows.push([
      'naive REST: 4 reads per pull request',
      github.requests.length - before,
      performance.now() - started,
      'each',
    ]);
    before = github.requests.length;
    started = performance.now();
    const unchanged = await restRefresh(true);
    rows.push([
      'REST with ETags, nothing changed',
      github.requests.length - before,
      performance.now() - started,
      `${unchanged} were 304s`,
    ]);

    console.log(
      `bench pullRequests: one refresh of ${COUNT.toLocaleString('en-US')} pull requests, ${process.version}`,
    );
    console.log('(times include Octokit throttling: GraphQL queries are spaced a second apart, as GitHub asks)\n');
    for (const [what, requests, ms, note] of rows)
      console.log(
        `${what.padEnd(40)} ${String(per1000(requests)).padStart(6)} requests per 1,000 pull requests   ${(ms / 1000).toFixed(1).padStart(6)} s   (${note === 'each' ? `${requests} in all` : note})`,
      );
  } finally {
    await github.close();
  }
  await gitlab();
}

async function gitlab(): Promise<void> {
  const hosting = await createGitHosting();
  // One bare repository behind every project's path: the fake reads each merge request's real branches.
  const shared = await hosting.create('bench/shared', { 'a.txt': 'a\n' });
  const clone = await hosting.clone('bench/shared');
  await git(clone, 'checkout', '-q', '-b', 'cody-batch/bench');
  await git(clone, 'commit', '-q', '--allow-empty', '-m', 'Change');
  await git(clone, 'push', '-q', 'origin', 'cody-batch/bench');
  const paths = Array.from({ length: COUNT }, (_, index) => `group${index % 13}/sub${index % 5}/service-${index}`);
  for (const project of paths) {
    const bare = path.join(hosting.root, `${project}.git`);
    await mkdir(path.dirname(bare), { recursive: true });
    await symlink(shared.bare, bare);
  }
  const token = 'glpat-FAKEgitlabTOKENforTheBench01';
  const server = await startFakeGitLab({
    token,
    root: hosting.root,
    projects: paths.map((project) => ({ path: project, approvalsRequired: 1 })),
  });
  try {
    const refs = paths.map((project, index) => {
      const mr = server.addMergeRequest({
        project,
        sourceBranch: 'cody-batch/bench',
        state: index % 10 < 7 ? 'opened' : 'merged',
        approvedBy: index % 3 === 0 ? ['alice'] : [],
      });
      return { repositoryName: project, number: mr.iid };
    });
    for (const project of paths.filter((_, index) => index % 2 === 0))
      await server.setPipeline(project, 'cody-batch/bench', 'success');
    const per1000 = (requests: number) => Math.round((requests * 1_000) / COUNT);
    const rows: [string, number, number][] = [];

    const host = codeHostFrom({ kind: 'gitlab', apiUrl: server.url, token });
    let before = server.requests.length;
    let started = performance.now();
    const statuses = await pullRequestsOf(host).pullRequestStatuses(refs);
    if (statuses.size !== COUNT) throw new Error(`GitLab answered ${statuses.size} of ${COUNT}`);
    rows.push(['Cody Batch: MR, and approvals if open', server.requests.length - before, performance.now() - started]);

    // The naive way: three REST reads per merge request, eight at a time as ours.
    const { GitLabClient, projectPath } = await import('../backend/hosts/gitlab/client');
    const client = new GitLabClient({ baseUrl: server.url, token });
    before = server.requests.length;
    started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < refs.length) {
        const ref = refs[next++]!;
        const mergeRequest = `${projectPath(ref.repositoryName)}/merge_requests/${ref.number}`;
        for (const read of [mergeRequest, `${mergeRequest}/pipelines`, `${mergeRequest}/approvals`])
          await client.get(read);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    rows.push(['naive REST: MR, pipelines, approvals', server.requests.length - before, performance.now() - started]);

    console.log(
      `\nbench pullRequests (GitLab): one refresh of ${COUNT.toLocaleString('en-US')} merge requests in as many projects (70% open)\n`,
    );
    for (const [what, requests, ms] of rows)
      console.log(
        `${what.padEnd(40)} ${String(per1000(requests)).padStart(6)} requests per 1,000 merge requests   ${(ms / 1000).toFixed(1).padStart(6)} s   (${requests} in all)`,
      );
  } finally {
    await server.close();
    await hosting.dispose();
  }
}
