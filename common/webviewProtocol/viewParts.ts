import * as z from 'zod';
import { AttemptChoice, RepositoryRef } from './views';

// Parts of the views' specs that the index does not export: a panel title, a plain answer, the
// heading every repository view shows.

/** What a panel's title names besides the repository: its job, so two jobs' tabs can be told apart. */
export const PanelTitle = z.object({ jobName: z.string().max(1_000).optional().catch(undefined) });

export const Done = z.object({ done: z.boolean(), message: z.string().optional() });

/** What every repository view shows at its top: which attempt it shows, of how many, and the others. */
export const RepositoryHeading = RepositoryRef.extend({
  jobName: z.string(),
  attempt: z.number().int().optional(),
  attempts: z.array(AttemptChoice).max(10_000).optional(),
});
