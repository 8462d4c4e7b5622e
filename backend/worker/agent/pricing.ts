import type { Usage } from '../../../common/schemas';

// Estimated cost of a model call, from a price table kept in code. Prices are USD per million tokens.
// Cache writes are priced at the 5-minute rate, the TTL the agent loop asks for.

/**
 * When the table below was last checked against Anthropic's own pages: the pricing page
 * (platform.claude.com/docs/en/about-claude/pricing) and each model's overview
 * (platform.claude.com/docs/…/models/<model>/overview). Third-party trackers are not a source.
 */
export const PRICES_CHECKED_ON = '2026-11-28';

export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

interface PriceEntry extends ModelPrice {
  /** Above this many prompt tokens (input + cache reads + cache writes) the whole call is billed at `long`. */
  longPrompt?: { thresholdTokens: number; price: ModelPrice };
}

const price = (input: number, output: number, cacheWrite: number, cacheRead: number): ModelPrice => ({
  input,
  output,
  cacheWrite,
  cacheRead,
});

const OPUS_45_TO_5 = price(5, 25, 6.25, 0.5);
const OPUS_4 = price(15, 75, 18.75, 1.5);
const SONNET_4 = price(3, 15, 3.75, 0.3);

/** Keyed by the model id without date or provider decorations (see `normalizeModelId`). */
export const MODEL_PRICES: Readonly<Record<string, PriceEntry>> = {
  'claude-fable-5-1': price(10, 50, 12.5, 0.25),
  'claude-mythos-5-1': price(10, 50, 12.5, 0.25),
  'claude-fable-5': price(10, 50, 12.5, 1),
  'claude-mythos-5': price(10, 50, 12.5, 1),
  'claude-opus-5-5': price(4, 20, 5, 0.2),
  'claude-opus-5': OPUS_45_TO_5,
  'claude-opus-4-8': OPUS_45_TO_5,
  'claude-opus-4-7': OPUS_45_TO_5,
  'claude-opus-4-6': OPUS_45_TO_5,
  'claude-opus-4-5': OPUS_45_TO_5,
  'claude-opus-4-1': OPUS_4,
  'claude-opus-4': OPUS_4,
  'claude-opus-4-0': OPUS_4,
  // Anthropic's Sonnet 5.5 page says $0.20 per MTok for cache reads; some trackers report $0.10.
  'claude-sonnet-5-5': price(2, 10, 2.5, 0.2),
  'claude-sonnet-5': price(2, 10, 2.5, 0.2),
  'claude-sonnet-4-6': SONNET_4,
  'claude-sonnet-4-5': SONNET_4,
  'claude-sonnet-4': SONNET_4,
  'claude-sonnet-4-0': SONNET_4,
  'claude-3-7-sonnet': SONNET_4,
  'claude-haiku-5-5': {
    ...price(0.1, 0.5, 0.125, 0.01),
    longPrompt: { thresholdTokens: 100_000, price: price(0.5, 2.5, 0.625, 0.05) },
  },
  'claude-haiku-4-5': price(1, 5, 1.25, 0.1),
  'claude-3-5-haiku': price(0.8, 4, 1, 0.08),
};

/**
 * Unknown models are priced like the most expensive current model, so that a job's `maxCostUsd`
 * errs on the side of stopping early rather than overspending.
 */
export const DEFAULT_PRICE: ModelPrice = price(10, 50, 12.5, 1);

/**
 * `claude-sonnet-4-5-20250929`, `anthropic.claude-sonnet-4-5-20250929-v1:0`,
 * `us.anthropic.claude-sonnet-4-5-20250929-v1:0` and `claude-sonnet-4-5[1m]` all become `claude-sonnet-4-5`.
 */
export function normalizeModelId(model: string): string {
  return model
    .toLowerCase()
    .replace(/^(?:us|eu|apac|au|jp|global)\./, '')
    .replace(/^anthropic\./, '')
    .replace(/\[1m\]$/, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/[-@]\d{8}$/, '');
}

export function priceFor(model: string): { price: PriceEntry; known: boolean } {
  const entry = MODEL_PRICES[normalizeModelId(model)];
  return entry ? { price: entry, known: true } : { price: DEFAULT_PRICE, known: false };
}

export function isKnownModel(model: string): boolean {
  return priceFor(model).known;
}

/** USD for one call's tokens (or a sum of calls, when no long-prompt tier applies). */
export function estimateCostUsd(model: string, usage: Omit<Usage, 'costUsd'>): number {
  const { price: entry } = priceFor(model);
  const promptTokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  const rates = entry.longPrompt && promptTokens > entry.longPrompt.thresholdTokens ? entry.longPrompt.price : entry;
  const dollars =
    usage.inputTokens * rates.input +
    usage.outputTokens * rates.output +
    usage.cacheWriteTokens * rates.cacheWrite +
    usage.cacheReadTokens * rates.cacheRead;
  return dollars / 1_000_000;
}

/** A line for the log when a model has no price of its own. */
export function unknownModelNote(model: string): string | undefined {
  if (isKnownModel(model)) return undefined;
  const p = DEFAULT_PRICE;
  return (
    `model "${model}" is not in the price table (checked ${PRICES_CHECKED_ON}); costs are ` +
    `estimated at $${p.input}/$${p.output} per million input/output tokens, the most ` +
    `expensive current rate`
  );
}
