import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { ENV } from './names';

// The local stack's data folder, as the stack writes it and clients (the CLI, the extension) read it.

/** `stack.json`, written while a local stack runs. */
export const StackInfo = z.object({
  apiUrl: z.string(),
  dynamodbEndpoint: z.string(),
  pid: z.number().int(),
  /** The DynamoDB's own process and port, when it runs in one (the CLI's stack). */
  dynamodbPid: z.number().int().optional(),
  dynamodbPort: z.number().int().optional(),
});
export type StackInfo = z.infer<typeof StackInfo>;

/** `$CODY_BATCH_HOME`, else `~/.cody-batch`. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[ENV.home];
  return configured ? path.resolve(configured) : path.join(os.homedir(), '.cody-batch');
}

/**
 * The local DynamoDB's credentials: the only ones it accepts. Kept in `$CODY_BATCH_HOME/dynamodb-credentials`
 * in the AWS shared-credentials format, under this profile, so the AWS CLI reads them as they are
 * (`AWS_SHARED_CREDENTIALS_FILE=… aws --profile cody-batch-local …`).
 */
export const DYNAMODB_PROFILE = 'cody-batch-local';

export interface DynamoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function formatDynamoCredentials(credentials: DynamoCredentials): string {
  return [
    '# The local Cody Batch stack’s DynamoDB credentials: it accepts no others. Keep this file private.',
    `[${DYNAMODB_PROFILE}]`,
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
    '',
  ].join('\n');
}

/** The credentials of the `cody-batch-local` profile, or undefined when the text holds none. */
export function parseDynamoCredentials(text: string): DynamoCredentials | undefined {
  let section = '';
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) section = header[1]!.trim();
    const entry = /^\s*(aws_access_key_id|aws_secret_access_key)\s*=\s*(\S+)\s*$/.exec(line);
    if (entry && section === DYNAMODB_PROFILE) values[entry[1]!] = entry[2]!;
  }
  const accessKeyId = values.aws_access_key_id;
  const secretAccessKey = values.aws_secret_access_key;
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

export async function readDynamoCredentials(file: string): Promise<DynamoCredentials> {
  const credentials = parseDynamoCredentials(await readFile(file, 'utf8'));
  if (!credentials) throw new Error(`${file} holds no [${DYNAMODB_PROFILE}] access key and secret`);
  return credentials;
}
