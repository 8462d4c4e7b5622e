// The repository a git remote points at, for every form a remote takes: HTTPS (with or without
// credentials, port or `.git`), SCP-like SSH (`git@github.com:owner/name.git`), `ssh://` and
// `git://` URLs, `file://` URLs and plain paths (the local stack's bare repositories). On a host the
// name is the whole path (`owner/name` on GitHub, `group/subgroup/project` on GitLab); in a folder it
// is the last two segments, since the folder above the owner is not part of the name.
// Shared by the extension and the CLI; mocha tests it directly.

import { MAX_NAME_SEGMENTS } from '../repositoryNames';

/** The repository a remote points at: a host's whole path, a folder's last two segments; undefined if it has fewer. */
export function repositoryNameFromRemote(remote: string): string | undefined {
  const found = remoteSegments(remote);
  if (!found) return undefined;
  const segments = found.hosted ? found.segments : found.segments.slice(-2);
  if (segments.length < 2 || segments.length > MAX_NAME_SEGMENTS || segments.includes('..')) return undefined;
  return segments.join('/');
}

/** The path of a remote in segments, `.git` and empty segments removed, and whether a host serves it. */
function remoteSegments(remote: string): { segments: string[]; hosted: boolean } | undefined {
  const found = remotePath(remote.trim());
  if (found === undefined) return undefined;
  const segments = found.path.split(/[\\/]+/).filter((segment) => segment.length > 0 && segment !== '.');
  if (segments.length === 0) return undefined;
  segments[segments.length - 1] = segments.at(-1)!.replace(/\.git$/i, '');
  if (!segments.at(-1)) return undefined;
  return { segments, hosted: found.hosted };
}

function remotePath(remote: string): { path: string; hosted: boolean } | undefined {
  if (!remote) return undefined;
  // URL forms: scheme://[user[:password]@]host[:port]/path
  const url = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(remote);
  if (url) {
    const scheme = url[1]!.toLowerCase();
    if (scheme === 'file') return { path: safeDecode(url[3] ?? ''), hosted: false };
    // Windows `file:///C:/…` handled above; any other scheme carries a host.
    return { path: safeDecode((url[3] ?? '').split(/[?#]/)[0]!), hosted: true };
  }
  // SCP-like: [user@]host:path. A Windows drive (`C:\x` or `C:/x`) is a path, not a host.
  const scp = /^(?:[^@/\\]+@)?([^:/\\]+):(?!\/\/)(.*)$/.exec(remote);
  if (scp && !/^[A-Za-z]:[\\/]/.test(remote)) return { path: scp[2]!, hosted: true };
  return { path: remote, hosted: false };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * True when the remote points at the repository (names are case-insensitive): a host's whole path
 * is the name; a folder's path ends with it (the local folder host nests groups in folders).
 */
export function remoteMatches(remote: string, repositoryName: string): boolean {
  const found = remoteSegments(remote);
  if (!found) return false;
  const wanted = repositoryName.toLowerCase().split('/');
  const segments = found.segments.map((segment) => segment.toLowerCase());
  if (found.hosted) return segments.join('/') === wanted.join('/');
  return segments.length >= wanted.length && segments.slice(-wanted.length).join('/') === wanted.join('/');
}
