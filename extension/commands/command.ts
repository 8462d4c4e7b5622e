import type { Services } from '../services';

/** One palette command: its id (as in package.json) and what it does. */
export interface Command {
  id: string;
  /** Words for error messages: "<doing> failed: …". */
  doing: string;
  run(services: Services, ...args: unknown[]): Promise<unknown> | unknown;
}
