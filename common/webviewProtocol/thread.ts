import * as z from 'zod';
import { RepositoryError, Thread } from '../schemas';
import { loadRequest, type ProtocolSpec } from './messages';
import { Done, PanelTitle, RepositoryHeading } from './viewParts';
import { RepositoryRef, ViewPlace } from './views';

// The thread view: a repository's Claude conversation.

export const ThreadPanelState = RepositoryRef.extend({ ...ViewPlace.shape, ...PanelTitle.shape });
export type ThreadPanelState = z.infer<typeof ThreadPanelState>;

export const threadProtocol = {
  requests: {
    load: loadRequest(
      RepositoryHeading.extend({ status: z.string(), error: RepositoryError.optional(), thread: Thread }),
    ),
    refresh: {
      params: z.object({}),
      result: z.object({ status: z.string(), error: RepositoryError.optional(), thread: Thread }),
    },
    openLink: { params: z.object({ url: z.string().max(8192) }), result: Done },
    /** Open another attempt of this repository in this panel. */
    showAttempt: { params: z.object({ attempt: z.number().int().min(1).max(10_000) }), result: Done },
  },
  events: {
    /** The panel now shows another attempt: load again, from the top. */
    show: z.object({}),
  },
} satisfies ProtocolSpec;
