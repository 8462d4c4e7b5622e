import { CODEOWNERS_REVIEWER } from '../../common/schemas';
import type { CodeHost } from '../hosts';
import { RequestError } from './middleware/errors';

// Every part takes any name of common/repositoryNames.ts; the code host knows its own rules
// (GitHub: exactly owner/name; GitLab: group/subgroup/project). What a request names is checked
// against them before anything is resolved or written, so a name the host could never have is a
// 400 that says so, not a clone that fails later.

export interface NamedInRequest {
  repositories?: readonly string[];
  owners?: readonly string[];
  reviewers?: readonly string[];
}

/** VALIDATION_FAILED naming the first names the host cannot have, each with its field. */
export function checkHostNames(host: CodeHost | undefined, named: NamedInRequest): void {
  if (!host) return;
  const problems: string[] = [];
  const check = (field: string, values: readonly string[] | undefined, rule: (value: string) => string | undefined) =>
    values?.forEach((value, index) => {
      const problem = rule(value);
      if (problem) problems.push(`${field}[${index}]: ${problem}`);
    });
  check('repositories', named.repositories, host.names.repository);
  check('repositoryQuery.owners', named.owners, host.names.owner);
  // `@codeowners` is no person: the publish reads it as the changed files' owners.
  check('pullRequest.reviewers', named.reviewers, (name) =>
    name === CODEOWNERS_REVIEWER ? undefined : host.names.user(name),
  );
  if (problems.length === 0) return;
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  throw new RequestError('VALIDATION_FAILED', `${problems.slice(0, 5).join('; ')}${more}`);
}
