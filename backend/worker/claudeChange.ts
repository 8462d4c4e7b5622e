import type { Store } from '../store/store';
import {
  AgentSession,
  buildSystemPrompt,
  claudeModel,
  createClaudeClient,
  DEFAULT_AGENT_LIMITS,
  firstUserMessage,
  followUpMessage,
  readRepositoryInstructions,
  type AgentResult,
  type AgentStop,
} from './agent';
import type { ChangeMaker } from './changeMaker';
import { RunFailure, type RunContext } from './runContext';
import { ShellSession } from './shellSession';

// Claude makes the change: one agent session per repository; verification failures go back into
// the same session as a new user message.

export interface ClaudeChangeOptions {
  env: NodeJS.ProcessEnv;
  store: Store;
  /** Other values the agent must keep out of what it writes (the GitHub token). */
  secrets: string[];
}

export async function claudeChange(context: RunContext, options: ClaudeChangeOptions): Promise<ChangeMaker> {
  const { job, repositoryName, liveness, log, artifacts } = context;
  const { store } = options;
  const prompt = job.prompt;
  if (prompt === undefined) throw new RunFailure('INTERNAL', 'A Claude run needs the job to have a prompt');

  const checkpoint = async (): Promise<AgentStop | undefined> => {
    await liveness.beat();
    const stopped = liveness.stopped;
    if (stopped) return { code: stopped.code, message: stopped.message };
    if (Date.now() >= context.deadline)
      return { code: 'TIME_LIMIT', message: 'The repository reached its wall-time limit' };
    return costLimitReached(store, job.jobId, job.maxCostUsd);
  };

  // Read from the checkout as it is now: after the setup command, with tracked files as cloned.
  const instructions = await readRepositoryInstructions(context.checkout.workTree);
  for (const file of instructions.files) {
    log.step(
      `Repository instructions: ${file.path} ${file.skipped ? `skipped (${file.skipped})` : `${file.characters} characters${file.cut ? ', cut' : ''}`}`,
    );
  }
  // One shell for the whole run, as the job's commands run (same environment, user and marker).
  const shell = job.allowCommands
    ? new ShellSession({
        cwd: context.checkout.workTree,
        env: context.commandEnv,
        user: context.commandUser,
        runMarker: context.runMarker,
        sandbox: context.sandbox,
      })
    : undefined;

  const session = new AgentSession({
    client: createClaudeClient(options.env),
    model: claudeModel(options.env, job.model),
    system: buildSystemPrompt({ ...job, prompt }),
    checkoutDir: context.checkout.workTree,
    shell,
    sandbox: context.sandboxState,
    instructionFiles: instructions.files,
    signal: liveness.signal,
    secrets: options.secrets,
    limits: { ...DEFAULT_AGENT_LIMITS, deadline: context.deadline },
    hooks: {
      checkpoint,
      onThread: (thread) => artifacts.saveThread(thread),
      onUsage: (delta) => store.addUsage(job.jobId, repositoryName, delta),
      log: (line) => log.step(line),
      output: (text) => log.write(text),
    },
  });

  const finish = (result: AgentResult): string => {
    if (result.ok) return result.summary;
    throw new RunFailure(result.code, log.redact(result.message));
  };

  return {
    async make() {
      const stop = await checkpoint();
      if (stop) throw new RunFailure(stop.code, stop.message);
      const note = context.row.note;
      const extras = { instructions: instructions.text, note };
      const round = context.round;
      const message = round
        ? followUpMessage(
            repositoryName,
            {
              trigger: round.trigger,
              pullRequestUrl: context.row.pullRequestUrl ?? '',
              host: round.host,
              round: round.followUp.round,
            },
            extras,
          )
        : firstUserMessage(repositoryName, extras);
      return finish(await session.run(message));
    },
    async revise(feedback: string) {
      return finish(await session.run(feedback));
    },
    async dispose() {
      await shell?.dispose();
    },
  };
}

/** The job's `maxCostUsd`, across all its repositories, from the job's running total. */
async function costLimitReached(
  store: Store,
  jobId: string,
  maxCostUsd: number | undefined,
): Promise<AgentStop | undefined> {
  if (maxCostUsd === undefined) return undefined;
  const job = await store.jobs.get(jobId);
  const spent = job?.usage.costUsd ?? 0;
  if (spent < maxCostUsd) return undefined;
  return {
    code: 'COST_LIMIT',
    message: `The job has spent $${spent.toFixed(2)} of its $${maxCostUsd.toFixed(2)} limit`,
  };
}
