import * as z from 'zod';
import { OWNER_PATTERN, REPOSITORY_NAME_PATTERN, USER_NAME_PATTERN } from '../repositoryNames';
import { printable } from './text';

// The names requests carry: repositories, branches, owners, people, models.

/**
 * A repository's name as every part takes it (common/repositoryNames.ts): `owner/name`, or a longer
 * path such as GitLab's `group/subgroup/project`. The code host narrows it to its own rules when a
 * job is created (GitHub: exactly `owner/name`).
 */
export const RepositoryName = z
  .string()
  .refine((value) => REPOSITORY_NAME_PATTERN.test(value), {
    error: (issue) => `"${printable(issue.input)}" is not a repository in the form owner/name`,
  })
  // Clone URLs end in .git, repository names never do: `widget.git` would clone `widget.git.git`.
  .refine((value) => !/\.git$/i.test(value), {
    error: (issue) => `"${printable(issue.input)}": write the repository without its .git suffix`,
  });
export type RepositoryName = z.infer<typeof RepositoryName>;

/** A git branch name as `git check-ref-format --branch` would accept it, restricted to safe characters. */
export const BranchName = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (value) =>
      /^[A-Za-z0-9._/-]+$/.test(value) &&
      !value.startsWith('-') &&
      !value.startsWith('/') &&
      !value.endsWith('/') &&
      !value.endsWith('.') &&
      !value.endsWith('.lock') &&
      !value.includes('..') &&
      !value.includes('//') &&
      !value.split('/').some((part) => part.startsWith('.')),
    { error: 'is not a valid git branch name' },
  );

export const ModelId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9.:@/_-]{0,127}$/, { error: 'is not a model id such as claude-sonnet-4-5' });

/** An organisation or user on the code host, or a group or subgroup (`acme/platform`). */
export const OwnerName = z.string().refine((value) => OWNER_PATTERN.test(value), {
  error: (issue) => `"${printable(issue.input)}" is not an owner (an organisation, user, group or group/subgroup)`,
});

/** A person on the code host (a reviewer): a GitHub login or a GitLab username. */
export const UserName = z.string().refine((value) => USER_NAME_PATTERN.test(value), {
  error: (issue) => `"${printable(issue.input)}" is not a user name`,
});
