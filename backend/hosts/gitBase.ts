import { lastSegmentOf, namespaceOf } from '../../common/repositoryNames';

// The clone URL template every host reads: `CODY_BATCH_GIT_BASE`, with `{owner}` and `{name}` (the
// namespace, nested groups and all, and the last segment), or `{path}` (the whole name).

/** The clone URL of a repository from the template. */
export function cloneUrlFrom(template: string, repositoryName: string): string {
  return template
    .replaceAll('{path}', repositoryName)
    .replaceAll('{owner}', namespaceOf(repositoryName))
    .replaceAll('{name}', lastSegmentOf(repositoryName));
}

/** Whether a template names the repository: `{owner}` and `{name}`, or `{path}`. */
export function namesRepository(template: string): boolean {
  return template.includes('{path}') || (template.includes('{owner}') && template.includes('{name}'));
}

export function isFileGitBase(template: string): boolean {
  return template.startsWith('file://');
}
