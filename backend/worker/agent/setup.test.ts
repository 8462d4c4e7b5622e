import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { DEFAULT_MODEL } from '../../../common/schemas';
import { reply, startFakeAnthropic } from '../../../test/fakes/anthropicServer';
import { TEST_API_KEY } from '../../../test/helpers/agent';
import {
  buildSystemPrompt,
  claudeModel,
  createClaudeClient,
  estimateCostUsd,
  firstUserMessage,
  isClaudeConfigured,
  isKnownModel,
} from '.';
import { normalizeModelId } from './pricing';

// What the worker sets up before the loop: the client, the prompts, and the price of a call.

describe('agent setup', () => {
  describe('createClaudeClient', () => {
    it("uses ANTHROPIC_API_KEY, or the seed's CLAUDE_API_KEY, against ANTHROPIC_BASE_URL", async () => {
      const fake = await startFakeAnthropic({ script: () => reply.text('hello'), apiKey: TEST_API_KEY });
      try {
        for (const env of [
          { ANTHROPIC_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url },
          { CLAUDE_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url },
        ]) {
          const client = createClaudeClient(env);
          const message = await client.messages.create({
            model: DEFAULT_MODEL,
            max_tokens: 100,
            messages: [{ role: 'user', content: 'Repository: a/b' }],
          });
          assert.deepEqual(message.content, [{ type: 'text', text: 'hello' }]);
        }
        assert.deepEqual(
          fake.requests.map((request) => request.status),
          [200, 200],
        );
      } finally {
        await fake.close();
      }
    });

    it('throws a clear error when no key is configured, without Bedrock', () => {
      assert.throws(
        () => createClaudeClient({}),
        /No Claude API key: set ANTHROPIC_API_KEY \(or CLAUDE_API_KEY\), or set CODY_BATCH_CLAUDE_PROVIDER=bedrock/,
      );
      assert.throws(
        () => createClaudeClient({ CODY_BATCH_CLAUDE_PROVIDER: 'openai', ANTHROPIC_API_KEY: TEST_API_KEY }),
        /must be "anthropic" or "bedrock"/,
      );
      assert.equal(isClaudeConfigured({}), false);
      assert.equal(isClaudeConfigured({ ANTHROPIC_API_KEY: ' ' }), false);
      assert.equal(isClaudeConfigured({ CLAUDE_API_KEY: TEST_API_KEY }), true);
    });

    it('builds a Bedrock client with no key when CODY_BATCH_CLAUDE_PROVIDER=bedrock', () => {
      const client = createClaudeClient({ CODY_BATCH_CLAUDE_PROVIDER: 'bedrock', AWS_REGION: 'eu-west-1' });
      assert.ok(client instanceof AnthropicBedrock);
      assert.equal((client as AnthropicBedrock).awsRegion, 'eu-west-1');
      assert.equal(isClaudeConfigured({ CODY_BATCH_CLAUDE_PROVIDER: 'bedrock' }), true);
    });

    it('signs Bedrock calls with the AWS keys of the environment it is given, not only process.env', async () => {
      // The local executor hands keys to the worker outside process.env (backend/worker/secrets.ts).
      const authorizations: string[] = [];
      const server = http.createServer((request, response) => {
        authorizations.push(String(request.headers.authorization));
        request.resume().on('end', () => {
          response.setHeader('content-type', 'application/json');
          response.end(
            JSON.stringify({
              id: 'msg_1',
              type: 'message',
              role: 'assistant',
              model: 'm',
              content: [{ type: 'text', text: 'hello' }],
              stop_reason: 'end_turn',
              stop_sequence: null,
              usage: { input_tokens: 1, output_tokens: 1 },
            }),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const client = createClaudeClient({
          CODY_BATCH_CLAUDE_PROVIDER: 'bedrock',
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'AKIAHANDEDOVER000001',
          AWS_SECRET_ACCESS_KEY: 'handed-over-secret-key',
          ANTHROPIC_BEDROCK_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        });
        await client.messages.create({
          model: 'anthropic.claude-test',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        });
        assert.equal(authorizations.length, 1);
        assert.match(
          authorizations[0]!,
          /^AWS4-HMAC-SHA256 Credential=AKIAHANDEDOVER000001\/\d{8}\/eu-west-1\/bedrock\//,
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("runs the stack's Bedrock model on Bedrock, and the job's model otherwise", () => {
      const bedrockModel = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
      assert.equal(
        claudeModel(
          { CODY_BATCH_CLAUDE_PROVIDER: 'bedrock', CODY_BATCH_BEDROCK_MODEL: bedrockModel },
          'claude-sonnet-5-5',
        ),
        bedrockModel,
      );
      assert.equal(claudeModel({ CODY_BATCH_CLAUDE_PROVIDER: 'bedrock' }, 'claude-sonnet-5-5'), 'claude-sonnet-5-5');
      assert.equal(claudeModel({ CODY_BATCH_BEDROCK_MODEL: bedrockModel }, 'claude-opus-5-5'), 'claude-opus-5-5');
      assert.ok(isKnownModel(bedrockModel), 'Bedrock ids are priced');
    });
  });

  describe('prompts', () => {
    const job = {
      name: 'Update API calls',
      description: 'Move to v2',
      prompt: 'Replace oldFunction(x) with newFunction(x, { version: 2 })',
    };

    it('builds one system prompt per job, naming the task, the tools and how to finish', () => {
      const system = buildSystemPrompt(job);
      assert.ok(system.includes(job.prompt) && system.includes(job.name) && system.includes(job.description));
      assert.match(system, /str_replace_based_edit_tool/);
      assert.match(system, /list_files/);
      assert.match(system, /search_files/);
      assert.match(system, /How to finish: .*summary/);
      assert.match(system, /There is no verification command/);
      assert.ok(!system.includes('Repository:'), 'nothing repository-specific, so it is cached across repositories');
      const verified = buildSystemPrompt({ ...job, verifyCommand: 'npm test' });
      assert.match(verified, /`npm test` runs in the repository/);
    });

    it('starts the first user message with the repository line', () => {
      assert.equal(firstUserMessage('acme/widgets').split('\n')[0], 'Repository: acme/widgets');
    });
  });

  describe('estimateCostUsd', () => {
    it("prices input, output, 5-minute cache writes and cache reads at the rates of Anthropic's model pages", () => {
      const million = (kind: 'inputTokens' | 'outputTokens' | 'cacheWriteTokens' | 'cacheReadTokens') => ({
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        [kind]: 1_000_000,
      });
      // USD per million tokens: input, output, 5m cache write, cache read.
      const official: Record<string, [number, number, number, number]> = {
        'claude-sonnet-5-5': [2, 10, 2.5, 0.2],
        'claude-opus-5-5': [4, 20, 5, 0.2],
        'claude-fable-5-1': [10, 50, 12.5, 0.25],
        'claude-sonnet-5': [2, 10, 2.5, 0.2],
        'claude-haiku-4-5': [1, 5, 1.25, 0.1],
      };
      for (const [model, [input, output, cacheWrite, cacheRead]] of Object.entries(official)) {
        assert.deepEqual(
          [
            million('inputTokens'),
            million('outputTokens'),
            million('cacheWriteTokens'),
            million('cacheReadTokens'),
          ].map((usage) => estimateCostUsd(model, usage)),
          [input, output, cacheWrite, cacheRead],
          model,
        );
      }
      const usage = {
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
        cacheWriteTokens: 1_000_000,
        cacheReadTokens: 1_000_000,
      };
      assert.equal(estimateCostUsd('claude-sonnet-5-5', usage), 2 + 10 + 2.5 + 0.2);
      assert.equal(estimateCostUsd('claude-opus-4-5-20251101', usage), 5 + 25 + 6.25 + 0.5);
      assert.equal(
        estimateCostUsd('claude-sonnet-4-5-20250929', {
          ...usage,
          outputTokens: 0,
          cacheWriteTokens: 0,
          cacheReadTokens: 0,
        }),
        3,
      );
    });

    it('recognises Bedrock ids and prices Haiku 5.5 long prompts at the higher tier', () => {
      assert.equal(normalizeModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), 'claude-sonnet-4-5');
      assert.equal(normalizeModelId('claude-opus-5-5[1m]'), 'claude-opus-5-5');
      assert.ok(isKnownModel('anthropic.claude-haiku-4-5-20251001-v1:0'));
      const short = { inputTokens: 50_000, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
      const long = { ...short, inputTokens: 150_000 };
      assert.equal(estimateCostUsd('claude-haiku-5-5', short), 0.005);
      assert.equal(estimateCostUsd('claude-haiku-5-5', long), 0.075);
    });

    it('prices an unknown model at the most expensive rate, so cost limits stop early rather than late', () => {
      assert.equal(isKnownModel('claude-future-9'), false);
      assert.equal(
        estimateCostUsd('claude-future-9', {
          inputTokens: 1_000_000,
          outputTokens: 0,
          cacheWriteTokens: 0,
          cacheReadTokens: 0,
        }),
        10,
      );
    });

    it('knows the default model', () => {
      assert.ok(isKnownModel(DEFAULT_MODEL));
    });
  });
});
