import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyPatch, ApplyRefused, uncommittedWorkNote, type ApplyResult } from '../common/git/applyPatch';
import { describeCheckout } from '../common/git/checkouts';
import { describeOutsideLink } from '../common/outsideLinks';
import { remoteMatches } from '../common/git/remotes';
import { isRepositoryName } from '../common/repositoryNames';
import { connect, type Connection, usageError } from './connect';
import { say, sayError } from './terminal';

// `cody-batch apply <jobId> <owner/name>`: a repository's patch applied to a local checkout with
// `git apply --3way`, the same code the extension's "Apply Patch" runs. It refuses a checkout whose
// remotes are not that repository, never touches uncommitted work unless --stash says so, and makes
// no link out of the repository unless --allow-outside-links says so.

const APPLY_USAGE = `Usage: cody-batch apply <jobId> <owner/name> [--dir <checkout>] [--stash] [--allow-outside-links]
  --dir <checkout>          the clone to apply to (default: the current folder)
  --stash                   with uncommitted changes: stash them, apply, and restore them
  --allow-outside-links     apply even if the patch makes symbolic links that point out of the repository`;

export async function apply(args: string[], connection: Connection): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { dir: { type: 'string' }, stash: { type: 'boolean' }, 'allow-outside-links': { type: 'boolean' } },
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(error, APPLY_USAGE);
  }
  const [jobId, repositoryName, ...extra] = parsed.positionals;
  if (!jobId || !repositoryName || extra.length)
    return usageError(new Error('give a job id and one owner/name'), APPLY_USAGE);
  if (!isRepositoryName(repositoryName))
    return usageError(new Error(`"${repositoryName}" is not a repository in the form owner/name`), APPLY_USAGE);

  const folder = path.resolve(parsed.values.dir ?? process.cwd());
  const checkout = await describeCheckout(folder);
  if (!checkout) return fail(`${folder} is not in a git repository; nothing was changed.`);
  if (!checkout.remotes.some((remote) => remoteMatches(remote.url, repositoryName))) {
    const remotes =
      checkout.remotes.map((remote) => `${remote.name} → ${remote.repositoryName ?? remote.url}`).join(', ') ||
      'no remotes';
    return fail(
      `${checkout.root} is not a clone of ${repositoryName} (${remotes}); nothing was changed. Give its clone with --dir.`,
    );
  }

  const { patch } = await (await connect(connection)).getDiff(jobId, repositoryName);
  if (patch === undefined) {
    say(`${repositoryName} made no changes in job ${jobId}; nothing to apply.`);
    return 0;
  }

  let result: ApplyResult;
  try {
    result = await applyPatch(checkout.root, patch, {
      label: `job ${jobId} ${repositoryName}`,
      confirmStash: async () => parsed.values.stash === true,
      confirmOutsideLinks: async () => parsed.values['allow-outside-links'] === true,
    });
  } catch (error) {
    if (error instanceof ApplyRefused) return fail(error.message);
    throw error;
  }
  return report(result, checkout.root, `${jobId} ${repositoryName}`);
}

function report(result: ApplyResult, root: string, target: string): number {
  const list = (files: string[]) =>
    files.length > 10 ? `${files.slice(0, 10).join(', ')} and ${files.length - 10} more` : files.join(', ');
  switch (result.status) {
    case 'applied': {
      const restored = uncommittedWorkNote(result);
      say(
        `Applied to ${result.files.length} ${result.files.length === 1 ? 'file' : 'files'} in ${root}: ${list(result.files)}${restored ? `\n${restored}` : ''}`,
      );
      return 0;
    }
    case 'outside-links':
      sayError(
        `The patch makes symbolic links that point out of ${root}; nothing was applied:\n` +
          result.links.map((link) => `  ${describeOutsideLink(link)}\n`).join('') +
          `Anything that follows them reads or writes outside the repository. Check them (cody-batch diff ${target}); ` +
          'to apply anyway, run again with --allow-outside-links.',
      );
      return 2;
    case 'cancelled':
      return fail(
        `${root} has uncommitted changes (${list(result.dirtyFiles)}); nothing was applied.\n` +
          'Commit or stash them first, or run again with --stash to stash them, apply, and restore them.',
      );
    case 'conflicts': {
      const stash = result.stash
        ? `\nYour uncommitted changes are in the stash "${result.stash.message}": run \`git stash pop\` once the conflicts are resolved.`
        : '';
      return fail(
        `The patch applied with conflicts in ${list(result.conflicts)} (${root}). Resolve the conflict markers, then \`git add\` the files.${stash}`,
      );
    }
    case 'restore-conflicts': {
      const where =
        result.conflicts.length > 0
          ? `conflicted in ${list(result.conflicts)}`
          : `failed (${result.message.split('\n')[0]})`;
      return fail(
        `Applied to ${result.files.length} files in ${root}, but restoring your uncommitted changes ${where}.\n` +
          `They are safe in the stash "${result.stash.message}" ` +
          `(${result.stash.commit.slice(0, 10)}): see them with \`git stash show -p\`; once ` +
          `merged, \`git stash drop\`.`,
      );
    }
    case 'failed': {
      const stash = result.stash
        ? ` Your uncommitted changes are in the stash "${result.stash.message}" (\`git stash pop\`).`
        : ' Nothing was changed.';
      return fail(`The patch did not apply to ${root}:\n${result.message}\n${stash.trim()}`);
    }
  }
}

function fail(message: string): number {
  sayError(message);
  return 1;
}
