// `npm run bench -- pullRequests`: what one refresh of 1,000 pull requests costs in requests to
// GitHub, through the real Octokit against the loopback GitHub (test/fakes/githubServer.ts). Cody
// Batch's way (GraphQL, 100 pull requests a query: the code host's pullRequestStatuses) against the
// naive REST way (per pull request: the PR, its check runs, its commit statuses, its reviews), and
// the same REST way repeated with ETags (If-None-Match), where an unchanged answer is a 304 that
// GitHub does not count against the rate limit but that is still a request.
import { performance } from 'node:perf_hooks';
import { codeHostFrom, pullRequestsOf } from '../backend/hosts';
import { createGitHubClient } from '../backend/hosts/github/client';
import { startFakeGitHub } from '../test/fakes/githubServer';

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
}
