import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

// What an image holds beyond its base: the Debian packages its build installed, and every path it
// added or changed (type, owner, group, mode), read from both images' root folders.

export interface PathFacts {
  path: string;
  /** f file, d folder, l symbolic link, c/b device, p fifo, s socket. */
  type: string;
  owner: string;
  mode: string;
  size: number;
}

export interface ImageChanges {
  /** Packages installed in the image that its base does not have. */
  packages: string[];
  /** Paths added or changed, with the package that ships each (undefined: none). */
  paths: (PathFacts & { package?: string })[];
}

/**
 * What a container runtime provides: mounts, and the files it writes at start (a build leaves the
 * last three as empty placeholders). Never part of an image's contents.
 */
const SKIPPED = new Set(['/proc', '/sys', '/dev', '/run', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf']);

/** Debian's merged /usr: a package's `/lib/x` is `/usr/lib/x` in the image. */
const MERGED = /^\/(bin|sbin|lib|lib32|lib64|libx32)\//;

interface Entry {
  type: string;
  uid: number;
  gid: number;
  mode: number;
  size: number;
  mtimeMs: number;
}

async function walk(root: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  const visit = async (relative: string) => {
    for (const entry of await readdir(path.join(root, relative), { withFileTypes: true })) {
      const inImage = `${relative}/${entry.name}`;
      if (SKIPPED.has(inImage)) continue;
      const stat = await lstat(path.join(root, inImage));
      const type = stat.isFile()
        ? 'f'
        : stat.isDirectory()
          ? 'd'
          : stat.isSymbolicLink()
            ? 'l'
            : stat.isCharacterDevice()
              ? 'c'
              : stat.isBlockDevice()
                ? 'b'
                : stat.isFIFO()
                  ? 'p'
                  : 's';
      entries.set(inImage, {
        type,
        uid: stat.uid,
        gid: stat.gid,
        mode: stat.mode & 0o7777,
        size: stat.size,
        mtimeMs: stat.mtimeMs,
      });
      if (type === 'd') await visit(inImage);
    }
  };
  await visit('');
  return entries;
}

/** Names by id from the image's own /etc/passwd or /etc/group. */
async function namesOf(file: string): Promise<Map<number, string>> {
  const text = await readFile(file, 'utf8');
  return new Map(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(':'))
      .map((fields) => [Number(fields[2]), fields[0]!] as const),
  );
}

/** Installed packages (Status: install ok installed) of a dpkg status file. */
async function installedPackages(root: string): Promise<Set<string>> {
  const text = await readFile(path.join(root, 'var/lib/dpkg/status'), 'utf8');
  const installed = new Set<string>();
  for (const stanza of text.split('\n\n')) {
    const name = /^Package: (.+)$/m.exec(stanza)?.[1];
    if (name && /^Status: install ok installed$/m.test(stanza)) installed.add(name);
  }
  return installed;
}

/** What `image` (mounted at `imageRoot`) adds to or changes in `base` (mounted at `baseRoot`). */
export async function imageChanges(baseRoot: string, imageRoot: string): Promise<ImageChanges> {
  const [before, after, basePackages, imagePackages, users, groups] = await Promise.all([
    walk(baseRoot),
    walk(imageRoot),
    installedPackages(baseRoot),
    installedPackages(imageRoot),
    namesOf(path.join(imageRoot, 'etc/passwd')),
    namesOf(path.join(imageRoot, 'etc/group')),
  ]);
  const packages = [...imagePackages].filter((name) => !basePackages.has(name)).sort();
  const owners = new Map<string, string>();
  const info = path.join(imageRoot, 'var/lib/dpkg/info');
  for (const name of await readdir(info)) {
    const owner = /^([^:]+)(?::[a-z0-9]+)?\.list$/.exec(name)?.[1];
    if (!owner || !packages.includes(owner)) continue;
    for (const line of (await readFile(path.join(info, name), 'utf8')).split('\n')) {
      if (!line) continue;
      owners.set(line, owner);
      if (MERGED.test(line)) owners.set(`/usr${line}`, owner);
    }
  }
  const paths: ImageChanges['paths'] = [];
  for (const [inImage, entry] of after) {
    const old = before.get(inImage);
    const changed =
      !old ||
      old.type !== entry.type ||
      old.uid !== entry.uid ||
      old.gid !== entry.gid ||
      old.mode !== entry.mode ||
      (entry.type !== 'd' && (old.size !== entry.size || old.mtimeMs !== entry.mtimeMs));
    if (!changed) continue;
    paths.push({
      path: inImage,
      type: entry.type,
      owner: `${users.get(entry.uid) ?? entry.uid}:${groups.get(entry.gid) ?? entry.gid}`,
      mode: entry.mode.toString(8).padStart(4, '0'),
      size: entry.size,
      package: owners.get(inImage),
    });
  }
  paths.sort((a, b) => a.path.localeCompare(b.path));
  return { packages, paths };
}

/** One line of the allowlist: a package, or a path pattern with its type, owner and mode. */
export type AllowlistEntry =
  | { kind: 'package'; name: string; line: number }
  | { kind: 'path'; pattern: RegExp; text: string; type: string; owner: string; mode: string; line: number };

/**
 * Parses test/image/contents.txt: `package NAME`, or `PATH TYPE OWNER:GROUP MODE` where PATH may
 * hold `*` (within a name) and `**` (across folders).
 */
export function parseAllowlist(text: string): AllowlistEntry[] {
  const entries: AllowlistEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const fields = line.split(/\s+/);
    if (fields[0] === 'package' && fields.length === 2) {
      entries.push({ kind: 'package', name: fields[1]!, line: index + 1 });
      return;
    }
    if (fields.length !== 4 || !fields[0]!.startsWith('/'))
      throw new Error(`test/image/contents.txt:${index + 1}: expected "package NAME" or "PATH TYPE OWNER:GROUP MODE"`);
    const [pattern, type, owner, mode] = fields as [string, string, string, string];
    const source = pattern
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*');
    entries.push({
      kind: 'path',
      pattern: new RegExp(`^${source}$`),
      text: pattern,
      type,
      owner,
      mode,
      line: index + 1,
    });
  });
  return entries;
}

export interface AllowlistVerdict {
  /** Packages installed but not listed, and listed but not installed. */
  unlistedPackages: string[];
  missingPackages: string[];
  /** Paths no listed package ships (or setuid/setgid ones) that no path entry allows with their type, owner and mode. */
  unlistedPaths: string[];
  /** Path entries no path of the image matches: stale lines. */
  unusedEntries: string[];
}

/** Compares an image's changes with the allowlist. Setuid and setgid files must be listed by path even when a package ships them. */
export function checkAllowlist(changes: ImageChanges, entries: AllowlistEntry[]): AllowlistVerdict {
  const listedPackages = new Set(entries.flatMap((entry) => (entry.kind === 'package' ? [entry.name] : [])));
  const pathEntries = entries.filter((entry) => entry.kind === 'path');
  const used = new Set<AllowlistEntry>();
  const unlistedPaths: string[] = [];
  for (const facts of changes.paths) {
    const privileged = facts.type === 'f' && (Number.parseInt(facts.mode, 8) & 0o6000) !== 0;
    if (facts.package && listedPackages.has(facts.package) && !privileged) continue;
    const allowing = pathEntries.find(
      (entry) =>
        entry.pattern.test(facts.path) &&
        entry.type === facts.type &&
        entry.owner === facts.owner &&
        entry.mode === facts.mode,
    );
    if (allowing) used.add(allowing);
    else
      unlistedPaths.push(
        `${facts.path} ${facts.type} ${facts.owner} ${facts.mode}${facts.package ? ` (${facts.package})` : ''}`,
      );
  }
  return {
    unlistedPackages: changes.packages.filter((name) => !listedPackages.has(name)),
    missingPackages: [...listedPackages].filter((name) => !changes.packages.includes(name)),
    unlistedPaths,
    unusedEntries: pathEntries.filter((entry) => !used.has(entry)).map((entry) => `line ${entry.line}: ${entry.text}`),
  };
}
