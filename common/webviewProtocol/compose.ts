import * as z from 'zod';
import { loadRequest, type ProtocolSpec } from './messages';
import { Done } from './viewParts';

/** What the text editor keeps while its tab is hidden (VS Code rebuilds the page): the text as typed. */
export const ComposePanelState = z.object({ text: z.string().max(10_000_000).optional().catch(undefined) });
export type ComposePanelState = z.infer<typeof ComposePanelState>;

/**
 * A multi-line text in an editor tab of its own (a revised prompt, a pull-request comment, a review
 * note), instead of a one-line input box: Send hands it to the command that asked, Cancel drops it.
 */
export const composeProtocol = {
  requests: {
    load: loadRequest(
      z.object({
        title: z.string().max(1_000),
        /** What the text is for and what happens with it. */
        prompt: z.string().max(4_000),
        value: z.string().max(10_000_000),
        /** The Send button's words ("Comment on 19 Pull Requests"). */
        sendLabel: z.string().max(200),
        /** Markdown, a command, plain words: said under the box. */
        kind: z.string().max(200),
        placeholder: z.string().max(1_000).optional(),
      }),
    ),
    /** Refused with why (empty, too long), or taken: the tab closes. */
    submit: {
      params: z.object({ text: z.string().max(10_000_000) }),
      result: z.object({ ok: z.boolean(), message: z.string().max(2_000).optional() }),
    },
    cancel: { params: z.object({}), result: Done },
  },
  events: {},
} satisfies ProtocolSpec;
