import { readFile } from 'node:fs/promises';
import { bearerAuth, CodyBatchClient } from '../common/client';
import { ENV } from '../common/names';
import { homePaths, resolveHome, runningStack } from '../backend/local/home';
import { forTerminal } from './terminal';

/** A client for the local stack running on $CODY_BATCH_HOME, or a sentence saying there is none. */
export async function connectToLocalStack(env: NodeJS.ProcessEnv): Promise<CodyBatchClient> {
  const paths = homePaths(resolveHome(env));
  const stack = await runningStack(paths.stack);
  if (!stack) throw new Error(`No Cody Batch stack is running for ${paths.home}. Start one with "cody-batch serve" (or set ${ENV.home}).`);
  const token = (await readFile(paths.token, 'utf8')).trim();
  return new CodyBatchClient({ baseUrl: stack.apiUrl, auth: bearerAuth(token) });
}

/** Prints rows as aligned columns, the first row being the header; cells are made safe for the terminal. */
export function printTable(table: string[][], indent = ''): void {
  const rows = table.map((cells) => cells.map(forTerminal));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  for (const cells of rows) console.log(indent + cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/** Bad arguments: the reason and the command's usage on stderr, exit code 2 (nothing was sent). */
export function usageError(error: unknown, usage: string): number {
  console.error(`cody-batch: ${forTerminal(error instanceof Error ? error.message : String(error))}\n${usage}`);
  return 2;
}
