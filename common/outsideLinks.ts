import { type FilePatch, parseHunks } from './patch';

// Symbolic links a patch leaves pointing out of the repository: an absolute target, or `..` that
// climbs above the root from the link's folder, also through other links (`a/b -> ..` and
// `c -> a/b/..` each look harmless). Applying one is quiet, and whatever follows it later (a build,
// an editor, the next patch) reads or writes files elsewhere on the machine; so the apply asks
// first. Read from the patch text alone, plus the links already in the checkout when there is one.
// No node modules here: the patch's own text is all it reads.

export interface OutsideLink {
  /** The link, relative to the repository root. */
  path: string;
  /** Its target as the patch writes it, or why it cannot be read. */
  target: string;
}

/** A link's target read from the checkout, relative path in; undefined when that path is no link. */
export type CheckoutLinks = (relativePath: string) => string | undefined;

const LINK_MODE = '120000';
/** As the kernel's limit on links followed in one lookup: a loop is not followed forever. */
const MAX_LINKS_FOLLOWED = 40;
const UNREADABLE = '(target not readable from the patch)';

/** The links `files` create or change whose target leads out of the repository. */
export function outsideLinks(
  files: readonly FilePatch[],
  checkoutLinks: CheckoutLinks = () => undefined,
): OutsideLink[] {
  /** Links after the patch: path → target (undefined: the patch does not show it plainly). */
  const patched = new Map<string, string | undefined>();
  /** Paths the patch turns into something that is no link (deleted, renamed away, a file now). */
  const notLinks = new Set<string>();
  for (const file of files) {
    if (file.kind === 'renamed' && file.oldPath) notLinks.add(file.oldPath);
    if (!file.newPath) {
      if (file.oldPath) notLinks.add(file.oldPath);
      continue;
    }
    const existing = file.oldPath ? checkoutLinks(file.oldPath) : undefined;
    const isLink = file.newMode === undefined ? existing !== undefined : file.newMode === LINK_MODE;
    if (!isLink) {
      notLinks.add(file.newPath);
      continue;
    }
    // A rename or copy without content lines keeps the target it had in the checkout.
    patched.set(
      file.newPath,
      parseHunks(file.text).length === 0 && existing !== undefined ? existing : linkTarget(file),
    );
  }

  const linkAt = (relative: string): { target: string | undefined } | undefined => {
    if (patched.has(relative)) return { target: patched.get(relative) };
    if (notLinks.has(relative)) return undefined;
    const target = checkoutLinks(relative);
    return target === undefined ? undefined : { target };
  };

  const found: OutsideLink[] = [];
  for (const [link, target] of patched) {
    if (target === undefined) found.push({ path: link, target: UNREADABLE });
    else if (resolve(parentFolders(link), target, linkAt, { left: MAX_LINKS_FOLLOWED }) === 'outside')
      found.push({ path: link, target });
  }
  return found;
}

/** `path → target`, with any control character escaped: both come from the repository. */
export function describeOutsideLink(link: OutsideLink): string {
  return `${escapeControls(link.path)} → ${escapeControls(link.target)}`;
}

/**
 * A link's new target from its hunk: one line with no newline after it (a link holds its target
 * and nothing else). Anything else (several hunks or lines, a binary patch) is unreadable.
 */
function linkTarget(file: FilePatch): string | undefined {
  if (file.binary) return undefined;
  const hunks = parseHunks(file.text);
  if (hunks.length !== 1 || hunks[0]!.newStart !== 1 || hunks[0]!.newLines !== 1) return undefined;
  const lines = hunks[0]!.lines;
  const added = lines.findIndex((line) => line.startsWith('+') || line.startsWith(' '));
  if (added === -1 || !lines[added + 1]?.startsWith('\\')) return undefined;
  return lines[added]!.slice(1);
}

/** The folders holding `relativePath`, from the root down. */
function parentFolders(relativePath: string): string[] {
  return relativePath.split('/').slice(0, -1);
}

/**
 * Where `target` leads from `folders` (a path below the root), following links component by
 * component as the kernel does: the folders reached, or 'outside' when it climbs above the root,
 * is absolute, or cannot be followed (an unreadable target, a loop).
 */
function resolve(
  folders: readonly string[],
  target: string,
  linkAt: (relative: string) => { target: string | undefined } | undefined,
  budget: { left: number },
): string[] | 'outside' {
  // `/x`, `\x`, `C:\x`, `C:x`: absolute on some system the checkout may be on.
  if (/^[/\\]/.test(target) || /^[A-Za-z]:/.test(target)) return 'outside';
  let at = [...folders];
  for (const segment of target.split(/[/\\]/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (at.length === 0) return 'outside';
      at.pop();
      continue;
    }
    const link = linkAt([...at, segment].join('/'));
    if (!link) {
      at.push(segment);
      continue;
    }
    if (link.target === undefined || --budget.left < 0) return 'outside';
    const reached = resolve(at, link.target, linkAt, budget);
    if (reached === 'outside') return 'outside';
    at = reached;
  }
  return at;
}

function escapeControls(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
