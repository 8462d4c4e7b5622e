import { artifactKey, type ArtifactFile, patchRevisionKey } from '../../common/names';
import type { Redactor } from '../../common/redact';
import type { FollowUpTrigger, Thread } from '../../common/schemas';
import type { ArtifactStore } from '../store/artifacts';

// diff.patch, thread.json, log.txt and a follow-up round's trigger.json of one repository. Writes of the same file are queued, so a
// slow store never lets an older thread overwrite a newer one.

const CONTENT_TYPES: Record<ArtifactFile, string> = {
  'diff.patch': 'text/x-diff; charset=utf-8',
  'thread.json': 'application/json',
  'log.txt': 'text/plain; charset=utf-8',
  'trigger.json': 'application/json',
};

export class RunArtifacts {
  private readonly queues = new Map<ArtifactFile, Promise<void>>();

  constructor(
    private readonly store: ArtifactStore,
    private readonly jobId: string,
    private readonly repositoryName: string,
    private readonly redactor: Redactor,
    /** The attempt whose artifacts these are: each attempt keeps its own. */
    private readonly attempt: number,
    /** The patch revision readDiff reads: absent, the worker's own; else a reviewer's (hunks left out). */
    private readonly patchRevision?: { revision: number; digest: string },
  ) {}

  saveThread(thread: Thread): Promise<void> {
    return this.put('thread.json', JSON.stringify(this.redactor.json(thread), null, 1));
  }

  /** The log is redacted by RunLog already. */
  saveLog(text: string): Promise<void> {
    return this.put('log.txt', text);
  }

  /** What a follow-up round acted on (the host's words, and the owner's instruction), redacted as the thread is. */
  saveTrigger(trigger: FollowUpTrigger): Promise<void> {
    return this.put('trigger.json', JSON.stringify(this.redactor.json(trigger), null, 1));
  }

  /** A patch must apply as produced, so it is not rewritten; the caller refuses one holding a secret. */
  saveDiff(patch: string): Promise<void> {
    return this.put('diff.patch', patch);
  }

  /** The stored patch at its revision, exactly as saved (what the reviewer read); undefined when there is none. */
  async readDiff(): Promise<Buffer | undefined> {
    await this.queues.get('diff.patch')?.catch(() => undefined);
    const stored = await this.store.get(
      patchRevisionKey(this.jobId, this.repositoryName, this.attempt, this.patchRevision),
    );
    return stored?.body;
  }

  /** The log as stored so far (a publish appends to the attempt's log rather than replacing it). */
  async readLog(): Promise<string> {
    const stored = await this.store.get(artifactKey(this.jobId, this.repositoryName, 'log.txt', this.attempt));
    return stored?.body.toString('utf8') ?? '';
  }

  private put(file: ArtifactFile, body: string): Promise<void> {
    const previous = this.queues.get(file) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() =>
        this.store.put(artifactKey(this.jobId, this.repositoryName, file, this.attempt), body, CONTENT_TYPES[file]),
      );
    this.queues.set(file, next);
    return next;
  }
}
