import * as z from 'zod';
import { SANDBOX_STATES } from '../sandbox';
import { IsoDate } from './text';
import { Usage } from './usage';

// A repository's Claude thread, as the worker wrote it.

/** One message of a Claude thread, in the Messages API's shape plus our bookkeeping. */
export const ThreadMessage = z
  .object({
    role: z.enum(['user', 'assistant']),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
    /** Usage of the call that produced an assistant message. */
    usage: Usage.optional(),
    stopReason: z.string().optional(),
    at: IsoDate.optional(),
  })
  .loose();
export type ThreadMessage = z.infer<typeof ThreadMessage>;

/** A file of the repository's own instructions, as the first message carried it (or why it did not). */
export const InstructionFile = z.object({
  path: z.string(),
  /** Characters included. */
  characters: z.number().int(),
  /** Cut at the cap. */
  cut: z.boolean(),
  /** Why it was left out (binary, a link out of the checkout); then nothing of it was included. */
  skipped: z.string().optional(),
});
export type InstructionFile = z.infer<typeof InstructionFile>;

/** What held around the commands of a run (the thread view says it; common/sandbox.ts). */
export const ThreadSandbox = z.object({
  state: z.enum(SANDBOX_STATES),
  /** The hosts its commands could reach (`on`). */
  allowedHosts: z.array(z.string()).optional(),
});
export type ThreadSandbox = z.infer<typeof ThreadSandbox>;

export const Thread = z.object({
  messages: z.array(ThreadMessage),
  /** The repository's instruction files in its first message (CLAUDE.md, AGENTS.md, …). */
  instructionFiles: z.array(InstructionFile).optional(),
  /** What held around Claude's commands, when it could run any. */
  sandbox: ThreadSandbox.optional(),
  usage: Usage,
  model: z.string().optional(),
  system: z.string().optional(),
});
export type Thread = z.infer<typeof Thread>;
