import assert from 'node:assert/strict';
import { pullRequestBranch, pullRequestText } from './pullRequestTemplate';
import { nameFilter, nameFilterProblem } from './repositoryQuery';
import { type CreateJobInput, createJobRequestSchema, describeIssues } from './schemas';

// The pull-request templates and the repository query as a client sends them: what each renders,
// and which requests the API refuses with a 400 before anything is created.

const FACTS = {
  jobId: '01jobidjobidjobidjobidjobi',
  jobName: 'Move to newFunction',
  description: 'oldFunction is deprecated.',
  repositoryName: 'acme/widgets',
  summary: 'Replaced 3 calls.',
  stats: { files: 2, additions: 3, deletions: 3 },
  verification: { command: 'npm test', passed: true, rounds: 1, outputTail: '' },
};

const BASE: CreateJobInput = { name: 'Move to newFunction', command: 'true', repositories: ['acme/widgets'] };

function problems(request: Record<string, unknown>): string {
  const parsed = createJobRequestSchema().safeParse(request);
  return parsed.success ? '' : describeIssues(parsed.error);
}

describe('pull request templates', () => {
  it('without templates gives the title, body, branch and commit message Cody Batch always wrote', () => {
    const text = pullRequestText(undefined, FACTS);
    assert.equal(text.title, 'Move to newFunction');
    assert.equal(
      text.body,
      [
        'oldFunction is deprecated.',
        '## Summary\n\nReplaced 3 calls.',
        '## Changes\n\n- 2 files changed, +3 −3\n- Verification `npm test` passed (1 round)',
        '---\nMade by Cody Batch, job `01jobidjobidjobidjobidjobi` (Move to newFunction).',
      ].join('\n\n'),
    );
    assert.equal(text.commitMessage, 'Move to newFunction\n\nReplaced 3 calls.\n');
    assert.equal(pullRequestBranch(undefined, FACTS), 'cody-batch/01jobidjobidjobidjobidjobi');
  });

  it('renders every placeholder, with or without spaces inside the braces, and never reads a value as a template', () => {
    const text = pullRequestText(
      {
        title: '[{{ job.name }}] {{repository}}',
        body: '{{job.description}}\n{{summary}}\n{{diffstat}}\n{{verification}}',
        commitMessage: 'chore: {{job.name}}\n\n{{summary}}',
      },
      { ...FACTS, summary: 'Mentions {{job.name}} literally.' },
    );
    assert.equal(text.title, '[Move to newFunction] acme/widgets');
    assert.equal(
      text.body,
      'oldFunction is deprecated.\nMentions {{job.name}} literally.\n2 files changed, +3 −3\nVerification `npm test` passed (1 round)',
    );
    assert.equal(text.commitMessage, 'chore: Move to newFunction\n\nMentions {{job.name}} literally.\n');
    assert.equal(pullRequestBranch({ branch: 'batch/{{repository}}' }, FACTS), 'batch/acme/widgets');
  });

  it('refuses an unknown placeholder, a branch that is no valid ref and the base branch; takes settings for a later publish', () => {
    assert.equal(problems({ ...BASE, createPullRequests: true, pullRequest: { title: 'Fix {{job.name}}' } }), '');
    assert.match(
      problems({ ...BASE, createPullRequests: true, pullRequest: { body: 'Hi {{author}} and {{ job.id }}' } }),
      /^pullRequest\.body: uses unknown placeholders \{\{author\}\}, \{\{job\.id\}\}; the placeholders are \{\{job\.name\}\}, /,
    );
    assert.equal(
      problems({ ...BASE, createPullRequests: true, pullRequest: { branch: 'fix/{{summary}}' } }),
      'pullRequest.branch: uses an unknown placeholder {{summary}}; ' +
        'the placeholders are {{job.name}}, {{job.description}}, {{repository}}',
    );
    assert.equal(
      problems({ ...BASE, createPullRequests: true, pullRequest: { branch: 'fix/{{job.name}}' } }),
      'pullRequest.branch: gives "fix/Move to newFunction" for acme/widgets, which is not a valid git branch name',
    );
    assert.match(
      problems({ ...BASE, createPullRequests: true, baseBranch: 'main', pullRequest: { branch: 'main' } }),
      /pullRequest\.branch: is the base branch "main"/,
    );
    // Without createPullRequests they shape the pull requests POST /jobs/{id}/publish opens after review.
    assert.equal(problems({ ...BASE, pullRequest: { labels: ['batch'], title: '{{job.name}}' } }), '');
    assert.match(problems({ ...BASE, pullRequest: { branch: 'fix/{{summary}}' } }), /unknown placeholder/);
    assert.match(
      problems({ ...BASE, createPullRequests: true, pullRequest: { reviewers: ['not a login'] } }),
      /pullRequest\.reviewers\[0\]: "not a login" is not a user name/,
    );
  });
});

describe('repository queries in the request', () => {
  it('takes a query alone, a list alone, or both; neither is refused', () => {
    const { repositories: _, ...noList } = BASE;
    assert.equal(problems({ ...noList, repositoryQuery: { owners: ['acme'] } }), '');
    assert.equal(problems({ ...BASE, repositoryQuery: { owners: ['acme'], topics: ['web'] } }), '');
    assert.equal(
      problems(noList),
      'repositories: give repositories (a list of owner/name), a repositoryQuery, or both',
    );
    assert.equal(
      problems({ ...noList, repositoryQuery: { includeForks: true } }),
      'repositoryQuery: give at least one of owners, topics, search or codeSearch',
    );
    assert.match(
      problems({ ...noList, repositoryQuery: { owners: ['../etc'], topics: ['a b'] } }),
      /repositoryQuery\.owners\[0\]: "\.\.\/etc" is not an owner.*repositoryQuery\.topics\[0\]: is not a topic/,
    );
  });

  it('refuses an include or exclude that is no regular expression, or that a linear-time engine cannot run', () => {
    const { repositories: _, ...noList } = BASE;
    assert.match(
      problems({ ...noList, repositoryQuery: { owners: ['acme'], include: 'acme/(' } }),
      /^repositoryQuery\.include: is not a valid regular expression: /,
    );
    assert.match(nameFilterProblem('(a)\\1') ?? '', /^uses a back-reference \(\\1\), which the linear-time engine/);
    assert.match(nameFilterProblem('x(?=y)') ?? '', /^uses a lookahead/);
    // Nested repetition is no danger on RE2: accepted, and it means what it says.
    for (const pattern of [
      '^acme/',
      '(web|api)-[a-z]+$',
      '[(+]+',
      'a{2}b+',
      '\\(x+\\)+',
      '(a+)+$',
      '(x|y*)*',
      '\\u0041',
    ])
      assert.equal(nameFilterProblem(pattern), undefined, pattern);
    const filter = nameFilter('^ACME/', 'legacy');
    assert.deepEqual(['acme/web', 'acme/legacy-web', 'other/web'].filter(filter), ['acme/web']);
    assert.deepEqual(['acme/aaaa-', 'acme/aab'].filter(nameFilter('(a+)+$|\\u0062$')), ['acme/aab']);
  });
});
