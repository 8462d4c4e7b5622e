// From the schema files themselves, not their index: the job's schemas use this module's templates.
import type { Verification } from './schemas/repository';
import type { DiffStats } from './schemas/review';

// A job's pull requests as text: the title, body, branch and commit message, from the job's
// `pullRequest` templates or, without them, exactly as Cody Batch has always written them.
// Browser-safe, so the Create Job form can preview a template.

/** Every placeholder a title, body or commit message may use. */
export const PULL_REQUEST_PLACEHOLDERS = [
  'job.name',
  'job.description',
  'repository',
  'summary',
  'diffstat',
  'verification',
] as const;
export type PullRequestPlaceholder = (typeof PULL_REQUEST_PLACEHOLDERS)[number];

/** A branch is named before the change is known: only these. */
export const BRANCH_PLACEHOLDERS: readonly PullRequestPlaceholder[] = ['job.name', 'job.description', 'repository'];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholders a template uses, in order, without repeats. */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/** Why a template cannot be used, or undefined: it names a placeholder not in `allowed`. */
export function templateProblem(
  template: string,
  allowed: readonly string[] = PULL_REQUEST_PLACEHOLDERS,
): string | undefined {
  const unknown = placeholdersIn(template).filter((name) => !allowed.includes(name));
  if (unknown.length === 0) return undefined;
  const list = unknown.map((name) => `{{${name}}}`).join(', ');
  const known = allowed.map((name) => `{{${name}}}`).join(', ');
  return `uses ${unknown.length === 1 ? 'an unknown placeholder' : 'unknown placeholders'} ${list}; the placeholders are ${known}`;
}

export type TemplateValues = Record<PullRequestPlaceholder, string>;

/** Replaces each known placeholder with its value (in one pass: values are never read as templates). */
export function renderTemplate(template: string, values: Partial<TemplateValues>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    name in values ? (values[name as PullRequestPlaceholder] ?? '') : whole,
  );
}

/** The shape of `pullRequest` on a job (see PullRequestSettings in schemas/createJob.ts). */
export interface PullRequestTemplates {
  title?: string;
  body?: string;
  branch?: string;
  commitMessage?: string;
}

/** What one repository's pull request is made from. */
export interface PullRequestFacts {
  jobId: string;
  jobName: string;
  description: string;
  repositoryName: string;
  summary: string;
  stats: DiffStats;
  verification?: Verification;
}

export function diffstatText(stats: DiffStats): string {
  return `${stats.files} file${stats.files === 1 ? '' : 's'} changed, +${stats.additions} −${stats.deletions}`;
}

export function verificationText(verification: Verification | undefined): string {
  if (!verification) return '';
  const { command, passed, rounds } = verification;
  return `Verification \`${command}\` ${passed ? 'passed' : 'FAILED'} (${rounds} round${rounds === 1 ? '' : 's'})`;
}

export function templateValues(facts: PullRequestFacts): TemplateValues {
  return {
    'job.name': facts.jobName,
    'job.description': facts.description.trim(),
    repository: facts.repositoryName,
    summary: facts.summary.trim(),
    diffstat: diffstatText(facts.stats),
    verification: verificationText(facts.verification),
  };
}

/** The branch a repository's change is pushed to: the template's, or `cody-batch/{jobId}`. */
export function pullRequestBranch(
  templates: PullRequestTemplates | undefined,
  facts: Pick<PullRequestFacts, 'jobId' | 'jobName' | 'description' | 'repositoryName'>,
): string {
  if (!templates?.branch) return `cody-batch/${facts.jobId}`;
  return renderTemplate(templates.branch, {
    'job.name': facts.jobName,
    'job.description': facts.description.trim(),
    repository: facts.repositoryName,
  });
}

/** The title, body and commit message of one repository's pull request. */
export function pullRequestText(
  templates: PullRequestTemplates | undefined,
  facts: PullRequestFacts,
): { title: string; body: string; commitMessage: string } {
  const values = templateValues(facts);
  const title = templates?.title ? renderTemplate(templates.title, values).trim() : facts.jobName;
  const body = templates?.body ? renderTemplate(templates.body, values) : defaultPullRequestBody(facts);
  const message = templates?.commitMessage
    ? `${renderTemplate(templates.commitMessage, values).trim()}\n`
    : defaultCommitMessage(facts.jobName, facts.summary);
  return { title: title || facts.jobName, body, commitMessage: message.trim() ? message : `${facts.jobName}\n` };
}

/** The body Cody Batch writes when the job gives none. */
export function defaultPullRequestBody(facts: PullRequestFacts): string {
  const parts: string[] = [];
  if (facts.description.trim()) parts.push(facts.description.trim());
  parts.push(`## Summary\n\n${facts.summary.trim() || '(no summary)'}`);
  const changes = [diffstatText(facts.stats)];
  if (facts.verification) changes.push(verificationText(facts.verification));
  parts.push(`## Changes\n\n${changes.map((line) => `- ${line}`).join('\n')}`);
  parts.push(`---\nMade by Cody Batch, job \`${facts.jobId}\` (${facts.jobName}).`);
  return parts.join('\n\n');
}

/** The commit message when the job gives none: the job's name as subject, the summary as body. */
export function defaultCommitMessage(jobName: string, summary: string): string {
  const subject = jobName.length > 72 ? `${jobName.slice(0, 71)}…` : jobName;
  return summary.trim() ? `${subject}\n\n${summary.trim()}\n` : `${subject}\n`;
}
