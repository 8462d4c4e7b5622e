import { simpleGit } from 'simple-git';
import { remoteMatches, repositoryNameFromRemote } from './remotes';

// Local checkouts among the workspace folders: which folder is a clone of `owner/name`, and which
// repositories the folders are clones of (for the Create Job form). Shared by the extension and the CLI.

export interface Checkout {
  /** The top level of the git work tree. */
  root: string;
  /** `owner/name` of each remote, by remote name. */
  remotes: { name: string; url: string; repositoryName: string | undefined }[];
}

/** The git work tree holding `folder`, with its remotes; undefined when it is not in one. */
export async function describeCheckout(folder: string): Promise<Checkout | undefined> {
  try {
    const git = simpleGit({ baseDir: folder });
    const root = (await git.revparse(['--show-toplevel'])).trim();
    const remotes = await simpleGit({ baseDir: root }).getRemotes(true);
    return {
      root,
      remotes: remotes.map((remote) => {
        const url = remote.refs.fetch || remote.refs.push;
        return { name: remote.name, url, repositoryName: repositoryNameFromRemote(url) };
      }),
    };
  } catch {
    return undefined;
  }
}

/** The checkouts among `folders` with a remote that points at `repositoryName`; `origin` first. */
export async function findCheckouts(folders: readonly string[], repositoryName: string): Promise<Checkout[]> {
  const checkouts = await Promise.all(folders.map(describeCheckout));
  const seen = new Set<string>();
  const matches: { checkout: Checkout; viaOrigin: boolean }[] = [];
  for (const checkout of checkouts) {
    if (!checkout || seen.has(checkout.root)) continue;
    seen.add(checkout.root);
    const matching = checkout.remotes.filter((remote) => remoteMatches(remote.url, repositoryName));
    if (matching.length > 0) matches.push({ checkout, viaOrigin: matching.some((remote) => remote.name === 'origin') });
  }
  matches.sort((a, b) => Number(b.viaOrigin) - Number(a.viaOrigin));
  return matches.map((match) => match.checkout);
}

/** Every `owner/name` the folders' remotes point at, without repeats. */
export async function workspaceRepositories(
  folders: readonly string[],
): Promise<{ repositoryName: string; root: string; remote: string }[]> {
  const checkouts = await Promise.all(folders.map(describeCheckout));
  const found = new Map<string, { repositoryName: string; root: string; remote: string }>();
  for (const checkout of checkouts) {
    for (const remote of checkout?.remotes ?? []) {
      if (!remote.repositoryName) continue;
      const key = remote.repositoryName.toLowerCase();
      if (!found.has(key))
        found.set(key, { repositoryName: remote.repositoryName, root: checkout!.root, remote: remote.name });
    }
  }
  return [...found.values()];
}
