import type { ContinueRequest, Job, TaskRevision } from './schemas';

// A job's task and its revisions. Revision 1 is the job's own prompt/command and verifyCommand; a
// continue that changes any of them adds the next (`taskRevisions`), and every repository row
// says which revision its attempt runs (`taskRevision`).

export interface Task {
  prompt?: string;
  command?: string;
  verifyCommand?: string;
}

export function currentTaskRevision(job: Pick<Job, 'taskRevisions'>): number {
  return job.taskRevisions?.at(-1)?.revision ?? 1;
}

/** The task of a revision, or undefined when the job has no such revision. */
export function taskOf(job: Job, revision: number): Task | undefined {
  if (revision === 1) return { prompt: job.prompt, command: job.command, verifyCommand: job.verifyCommand };
  const found = job.taskRevisions?.find((candidate) => candidate.revision === revision);
  return found && { prompt: found.prompt, command: found.command, verifyCommand: found.verifyCommand };
}

export function currentTask(job: Job): Task {
  return taskOf(job, currentTaskRevision(job))!;
}

/** The job as a worker of `revision` sees it: its prompt, command and verifyCommand are that revision's. */
export function jobAtRevision(job: Job, revision: number): Job | undefined {
  const task = taskOf(job, revision);
  return task && { ...job, prompt: task.prompt, command: task.command, verifyCommand: task.verifyCommand };
}

/** Whether a continue's body changes the task. */
export function revisesTask(change: ContinueRequest): boolean {
  return change.prompt !== undefined || change.command !== undefined || change.verifyCommand !== undefined;
}

/** A continue's body that does not fit the job's kind, as a sentence; undefined when it fits. */
export function revisionProblem(job: Job, change: ContinueRequest): string | undefined {
  if (change.prompt !== undefined && job.prompt === undefined)
    return 'prompt: this is a command job; revise its command instead';
  if (change.command !== undefined && job.command === undefined)
    return 'command: this is a prompt job (Claude makes the change); revise its prompt instead';
  return undefined;
}

/** The next revision: the current task with the continue's fields in place of its own. */
export function nextRevision(job: Job, change: ContinueRequest, createdAt: string): TaskRevision {
  const current = currentTask(job);
  return {
    revision: currentTaskRevision(job) + 1,
    ...(current.prompt !== undefined ? { prompt: change.prompt ?? current.prompt } : {}),
    ...(current.command !== undefined ? { command: change.command ?? current.command } : {}),
    ...((change.verifyCommand ?? current.verifyCommand) !== undefined
      ? { verifyCommand: change.verifyCommand ?? current.verifyCommand }
      : {}),
    createdAt,
  };
}
