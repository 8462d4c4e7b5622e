import Anthropic from '@anthropic-ai/sdk';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { ENV } from '../../../common/names';
import type { ClaudeClient } from './types';

// Builds the Claude client from the worker's environment: the Anthropic API with a key, or Amazon
// Bedrock with the AWS credential chain. The SDK itself retries 408/409/429/5xx (529 included)
// with exponential backoff, honouring `retry-after`.

export const DEFAULT_MAX_RETRIES = 4;

export type ClaudeProvider = 'anthropic' | 'bedrock';

export function claudeProvider(env: NodeJS.ProcessEnv): ClaudeProvider {
  const value = (env[ENV.claudeProvider] ?? '').trim().toLowerCase();
  if (value === '' || value === 'anthropic') return 'anthropic';
  if (value === 'bedrock') return 'bedrock';
  throw new Error(`${ENV.claudeProvider} must be "anthropic" or "bedrock", not "${value}"`);
}

/** The Anthropic key: `ANTHROPIC_API_KEY`, or the seed's `CLAUDE_API_KEY`. */
export function anthropicApiKey(env: NodeJS.ProcessEnv): string | undefined {
  const key = env[ENV.anthropicApiKey]?.trim() || env[ENV.legacyClaudeApiKey]?.trim();
  return key || undefined;
}

export function isClaudeConfigured(env: NodeJS.ProcessEnv): boolean {
  try {
    return claudeProvider(env) === 'bedrock' || anthropicApiKey(env) !== undefined;
  } catch {
    return false;
  }
}

export interface ClaudeClientOptions {
  /** SDK retries for 429, 529 and other retryable answers (default 4). */
  maxRetries?: number;
}

export function createClaudeClient(env: NodeJS.ProcessEnv, options: ClaudeClientOptions = {}): ClaudeClient {
  const maxRetries = options.maxRetries ?? retriesFromEnv(env) ?? DEFAULT_MAX_RETRIES;
  if (claudeProvider(env) === 'bedrock') {
    // Keys given as variables sign explicitly: the local executor hands them to the worker outside
    // process.env (backend/worker/secrets.ts), where the SDK would look. Without them, the AWS
    // SDK's default credential chain (task role on Batch, profile or SSO locally).
    const common = {
      awsRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
      maxRetries,
      ...(env.ANTHROPIC_BEDROCK_BASE_URL ? { baseURL: env.ANTHROPIC_BEDROCK_BASE_URL } : {}),
    };
    if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return new AnthropicBedrock(common);
    return new AnthropicBedrock({
      ...common,
      awsAccessKey: env.AWS_ACCESS_KEY_ID,
      awsSecretKey: env.AWS_SECRET_ACCESS_KEY,
      awsSessionToken: env.AWS_SESSION_TOKEN || null,
    });
  }
  const apiKey = anthropicApiKey(env);
  if (!apiKey) {
    throw new Error(
      'No Claude API key: set ANTHROPIC_API_KEY (or CLAUDE_API_KEY), or set CODY_BATCH_CLAUDE_PROVIDER=bedrock to use Amazon Bedrock',
    );
  }
  return new Anthropic({
    apiKey,
    // Only the key given here authenticates, never a bearer token that happens to be in the environment.
    authToken: null,
    baseURL: env[ENV.anthropicBaseUrl]?.trim() || 'https://api.anthropic.com',
    maxRetries,
  });
}

function retriesFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[ENV.claudeMaxRetries];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 10) {
    throw new Error(`${ENV.claudeMaxRetries} must be a whole number from 0 to 10, not "${raw}"`);
  }
  return value;
}

/**
 * The model a job runs with. On Bedrock the stack names the one model its workers may invoke
 * (`CODY_BATCH_BEDROCK_MODEL`, a Bedrock model id or inference profile); elsewhere the job's own.
 */
export function claudeModel(env: NodeJS.ProcessEnv, jobModel: string): string {
  if (claudeProvider(env) !== 'bedrock') return jobModel;
  return env[ENV.bedrockModel]?.trim() || jobModel;
}

/** The key a client authenticates with, so it can be kept out of threads, logs and messages. */
export function clientSecret(client: ClaudeClient): string | undefined {
  const key = (client as { apiKey?: unknown }).apiKey;
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}
