// The clone URL template both hosts read: `CODY_BATCH_GIT_BASE`, with `{owner}` and `{name}`.

/** The clone URL of `owner/name` from the template. */
export function cloneUrlFrom(template: string, repositoryName: string): string {
  const [owner, name] = repositoryName.split('/') as [string, string];
  return template.replaceAll('{owner}', owner).replaceAll('{name}', name);
}

export function isFileGitBase(template: string): boolean {
  return template.startsWith('file://');
}
