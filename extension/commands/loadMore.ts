import { LoadMoreNode } from '../tree/nodes';
import type { Command } from './command';

/** The "Load more…" row past the first page of jobs or repositories. */
export const loadMore: Command = {
  id: 'codyBatch.loadMore',
  doing: 'Loading more',
  run: async (services, node) => {
    if (node instanceof LoadMoreNode) await services.jobs.loadMore(node);
  },
};
