import type { CheckAnnotation, CheckFailure } from '../../../common/schemas';
import { MAX_TRIGGER_CHECKS, type PullRequestRef } from '../codeHost';
import { tailOf } from '../logTail';
import { cut, MAX_CHECK_TEXT, statusCheck } from '../triggerText';
import { type GitHubClient, githubMessage, statusOf } from './client';
import { act, split } from './pullRequestActions';

// A pull request's failing checks through GitHub's REST API, for a follow-up round: the head
// commit's check runs that concluded badly, each with its output (title, summary), its annotations
// and, for a GitHub Actions job, the tail of its log; and its failing commit statuses with their
// descriptions. Everything here is text a repository's CI wrote: the worker hands it to Claude as
// the host's words, never as instructions.

/** Conclusions GitHub's own rollup counts as a failure. */
const FAILED = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure']);
const MAX_ANNOTATIONS = 50;

export async function failingChecks(
  github: GitHubClient,
  ref: PullRequestRef,
  headSha: string,
): Promise<CheckFailure[]> {
  const { owner, repo } = split(ref);
  const runs = await act(
    () =>
      github.paginate(github.rest.checks.listForRef, { owner, repo, ref: headSha, filter: 'latest', per_page: 100 }),
    'read the checks of',
  );
  const failing = runs.filter((run) => run.status === 'completed' && FAILED.has(run.conclusion ?? ''));
  const checks: CheckFailure[] = [];
  for (const run of failing.slice(0, MAX_TRIGGER_CHECKS)) {
    const check: CheckFailure = {
      kind: 'check',
      name: run.name,
      conclusion: run.conclusion ?? 'failure',
      ...(run.output?.title ? { title: cut(run.output.title, 500) } : {}),
      ...(run.output?.summary ? { summary: cut(run.output.summary, MAX_CHECK_TEXT) } : {}),
      ...(run.html_url ? { url: run.html_url } : {}),
      annotations: (run.output?.annotations_count ?? 0) > 0 ? await annotations(github, owner, repo, run.id) : [],
    };
    Object.assign(check, await logTail(github, owner, repo, run));
    checks.push(check);
  }
  const { data: combined } = await act(
    () => github.rest.repos.getCombinedStatusForRef({ owner, repo, ref: headSha, per_page: 100 }),
    'read the statuses of',
  );
  for (const status of combined.statuses) {
    if (status.state !== 'failure' && status.state !== 'error') continue;
    if (checks.length >= MAX_TRIGGER_CHECKS) break;
    checks.push(statusCheck(status.context, status.state, status.description, status.target_url));
  }
  return checks;
}

/** A check run's annotations (what its tool pointed at: a file, a line, a message); none when GitHub will not say. */
async function annotations(github: GitHubClient, owner: string, repo: string, id: number): Promise<CheckAnnotation[]> {
  try {
    const { data } = await github.rest.checks.listAnnotations({
      owner,
      repo,
      check_run_id: id,
      per_page: MAX_ANNOTATIONS,
    });
    return data.slice(0, MAX_ANNOTATIONS).map((annotation) => ({
      path: annotation.path,
      ...(annotation.start_line ? { line: annotation.start_line } : {}),
      ...(annotation.end_line && annotation.end_line !== annotation.start_line ? { endLine: annotation.end_line } : {}),
      ...(annotation.annotation_level ? { level: annotation.annotation_level } : {}),
      ...(annotation.title ? { title: cut(annotation.title, 500) } : {}),
      message: cut(annotation.message ?? '', MAX_CHECK_TEXT),
    }));
  } catch {
    return [];
  }
}

/**
 * The end of a GitHub Actions job's log (a check run of the `github-actions` app has its job's id).
 * GitHub answers with a redirect to the log's short-lived address, which fetch follows.
 */
async function logTail(
  github: GitHubClient,
  owner: string,
  repo: string,
  run: { id: number; app?: { slug?: string } | null },
): Promise<Pick<CheckFailure, 'logTail' | 'logNote'>> {
  if (run.app?.slug !== 'github-actions') return { logNote: 'not a GitHub Actions job: GitHub keeps no log of it' };
  try {
    const { data } = await github.rest.actions.downloadJobLogsForWorkflowRun({ owner, repo, job_id: run.id });
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
    return { logTail: tailOf(text) };
  } catch (error) {
    const status = statusOf(error);
    return {
      logNote:
        status === 410
          ? 'its log has expired'
          : `GitHub did not give its log${status ? ` (HTTP ${status})` : ''}: ${githubMessage(error)}`,
    };
  }
}
