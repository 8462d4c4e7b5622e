import { namespaceOf } from './repositoryNames';
import type { Job } from './schemas';

// A job's sample (`sample: {size}` on POST /jobs): which repositories run first, and how many wait
// for a continue. The choice is reproducible from the job id alone, and spread across owners.

/** FNV-1a over UTF-16 units: a stable, browser-safe ordering key, not a secret. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) value = Math.imul(value ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return value;
}

/** `items` ordered by a hash seeded with the job id; equal hashes fall back to the text. */
function shuffled(jobId: string, items: readonly string[]): string[] {
  const keyed = items.map((item) => ({ item, key: hash(`${jobId}\n${item.toLowerCase()}`) }));
  keyed.sort((a, b) => a.key - b.key || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
  return keyed.map(({ item }) => item);
}

/**
 * The `size` repositories a job samples: owners in an order seeded by the job id, each owner's
 * repositories likewise, then one repository per owner in turn, so no owner gives a second before
 * every owner has given one. The same job id and list always give the same sample.
 */
export function chooseSample(jobId: string, repositories: readonly string[], size: number): string[] {
  const byOwner = new Map<string, string[]>();
  for (const name of repositories) {
    // The namespace: an owner on GitHub, a group or subgroup on GitLab, so a sample spreads across subgroups too.
    const owner = namespaceOf(name).toLowerCase();
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), name]);
  }
  const queues = shuffled(jobId, [...byOwner.keys()]).map((owner) => shuffled(jobId, byOwner.get(owner)!));
  const wanted = Math.min(size, repositories.length);
  const chosen: string[] = [];
  for (let round = 0; chosen.length < wanted; round++) {
    for (const queue of queues) {
      if (round < queue.length && chosen.length < wanted) chosen.push(queue[round]!);
    }
  }
  return chosen;
}

/** Whether the job still holds back the rest of its repositories for a continue. */
export function isSampling(job: Pick<Job, 'sample'>): boolean {
  return job.sample !== undefined && job.sample.continuedAt === undefined;
}

/** How many of the job's PENDING rows wait outside its run for a continue. */
export function heldBack(job: Pick<Job, 'sample' | 'counts'>): number {
  return isSampling(job) ? Math.max(0, job.counts.total - job.sample!.size) : 0;
}
