// The `owner/name` a git remote points at, for every form a GitHub remote takes: HTTPS (with or
// without credentials, port or `.git`), SCP-like SSH (`git@github.com:owner/name.git`),
// `ssh://` and `git://` URLs, `file://` URLs and plain paths (the local stack's bare repositories).
// Shared by the extension and the CLI; mocha tests it directly.

/** The last two path segments of a remote, `.git` and trailing slashes removed; undefined if it has fewer. */
export function repositoryNameFromRemote(remote: string): string | undefined {
  const path = remotePath(remote.trim());
  if (path === undefined) return undefined;
  const segments = path.split(/[\\/]+/).filter((segment) => segment.length > 0 && segment !== '.');
  if (segments.length < 2) return undefined;
  const owner = segments[segments.length - 2]!;
  const name = segments[segments.length - 1]!.replace(/\.git$/i, '');
  if (!name || owner === '..' || name === '..') return undefined;
  return `${owner}/${name}`;
}

function remotePath(remote: string): string | undefined {
  if (!remote) return undefined;
  // URL forms: scheme://[user[:password]@]host[:port]/path
  const url = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(remote);
  if (url) {
    const scheme = url[1]!.toLowerCase();
    if (scheme === 'file') return safeDecode(url[3] ?? '');
    // Windows `file:///C:/…` handled above; any other scheme carries a host.
    return safeDecode((url[3] ?? '').split(/[?#]/)[0]!);
  }
  // SCP-like: [user@]host:path. A Windows drive (`C:\x` or `C:/x`) is a path, not a host.
  const scp = /^(?:[^@/\\]+@)?([^:/\\]+):(?!\/\/)(.*)$/.exec(remote);
  if (scp && !/^[A-Za-z]:[\\/]/.test(remote)) return scp[2];
  return remote;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** True when the remote points at `owner/name` (repository names are case-insensitive). */
export function remoteMatches(remote: string, repositoryName: string): boolean {
  const found = repositoryNameFromRemote(remote);
  return found !== undefined && found.toLowerCase() === repositoryName.toLowerCase();
}
