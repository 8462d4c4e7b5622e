import type { Job } from '../../common/schemas';
import { type JobFilter, resolveJob } from '../pick';
import type { Services } from '../services';

/** One palette command: its id (as in package.json) and what it does. */
export interface Command {
  id: string;
  /** Words for error messages: "<doing> failed: …". */
  doing: string;
  run(services: Services, ...args: unknown[]): Promise<unknown> | unknown;
}

/**
 * A command on one job: the job its argument names (a tree item) or, without one, the selected
 * job, if `accepts` takes it; else one the user picks among those it takes (`purpose` completes
 * "cannot be used to …"). `run` gets the job as the API has it now, and is not called without one.
 */
export function jobCommand(
  command: { id: string; doing: string; accepts: JobFilter; purpose: string },
  run: (services: Services, job: Job) => Promise<unknown> | unknown,
): Command {
  return {
    id: command.id,
    doing: command.doing,
    async run(services, arg) {
      const job = await resolveJob(services, arg, command.accepts, command.purpose);
      if (job) return run(services, job);
    },
  };
}
