import assert from 'node:assert/strict';
import path from 'node:path';
import vm from 'node:vm';
import { build } from 'esbuild';
import * as z from 'zod';
import { checkDraft } from '../../common/jobDraft';
import { CreateJobPanelState, type CreateJobDraft, createJobProtocol } from '../../common/webviewProtocol';
import { sampleDraft, sampleJob } from '../../test/helpers/jobs';

// The Create Job form's bundle has zodLite.ts in place of zod (esbuild.mjs). Its schemas, the same
// common/ modules bundled as for the form, must accept and refuse exactly what zod's classic API
// does, with the same messages: the form's checks as the user types, the panel state it restores,
// and the extension's replies it checks.

type Module = {
  z: typeof z;
  checkDraft: typeof checkDraft;
  CreateJobPanelState: typeof CreateJobPanelState;
  createJobProtocol: typeof createJobProtocol;
};

const draft = sampleDraft;

const QUERY = {
  owners: 'acme',
  topics: '',
  search: '',
  codeSearch: '',
  include: '^acme/api',
  exclude: '',
  includeArchived: false,
  includeForks: false,
};

const PULL_REQUEST = {
  title: 'Adopt v2 in {repository}',
  body: 'Made by {job}',
  labels: 'batch, v2',
  reviewers: 'octocat',
  teamReviewers: '',
  branch: '',
  commitMessage: '',
};

/** Drafts the form may send, good and bad in every field the API's schema checks. */
const DRAFTS: CreateJobDraft[] = [
  draft(),
  draft({ name: '' }),
  draft({ name: 'x'.repeat(300), description: 'y'.repeat(20_000) }),
  draft({ name: 'line\nbreak', prompt: '' }),
  draft({ mode: 'command', command: 'sed -i s/a/b/ README.md', verifyCommand: 'npm test' }),
  draft({ mode: 'command', command: '' }),
  draft({ repositories: '' }),
  draft({ repositories: 'acme/widgets\n\nnot a repo/../x\n' }),
  draft({ repositories: Array.from({ length: 3_000 }, (_, index) => `acme/r${index}`).join('\n') }),
  draft({ baseBranch: 'main', maxCostUsd: '2.5', createPullRequests: true }),
  draft({ baseBranch: 'bad..branch', maxCostUsd: '-1' }),
  draft({ maxCostUsd: 'lots' }),
  draft({ maxCostUsd: '1e9' }),
  draft({ repositorySource: 'query', query: QUERY, repositories: '' }),
  draft({ repositorySource: 'query', query: { ...QUERY, include: 'api(' }, repositories: '' }),
  draft({ repositorySource: 'query', query: { ...QUERY, exclude: '(?=x)', owners: '' }, repositories: '' }),
  draft({ repositorySource: 'query', query: { ...QUERY, owners: 'not an owner!', topics: 'a b c' }, repositories: '' }),
  draft({ sample: '1' }),
  draft({ sample: '0' }),
  draft({ sample: 'ten' }),
  draft({ createPullRequests: true, pullRequest: PULL_REQUEST }),
  draft({ createPullRequests: true, pullRequest: { ...PULL_REQUEST, title: '', branch: 'cody/{nothing}' } }),
  draft({
    createPullRequests: true,
    pullRequest: { ...PULL_REQUEST, reviewers: 'not a user!', labels: 'x'.repeat(500) },
  }),
  draft({ createPullRequests: true, pullRequest: { ...PULL_REQUEST, commitMessage: '\u0000' } }),
  draft({ allowCommands: true, setupCommand: 'npm ci', allowHosts: 'registry.npmjs.org\nexample.com' }),
  draft({ allowHosts: 'http://not a host/', repositoryInstructions: 'acme/widgets: use pnpm' }),
  draft({ repositoryInstructions: 'no colon here' }),
  draft({ repositoryInstructions: '{"acme/widgets": "use pnpm", "bad name": 3}' }),
  draft({ mode: 'command', command: 'make', allowCommands: true, setupCommand: 'x'.repeat(200_000) }),
];

/** Replies the extension may send, good and bad, for each of the form's requests. */
const REPLIES: Record<string, unknown[]> = {
  load: [
    { prompt: 'p', connected: true },
    { prompt: 'p', connected: true, apiUrl: 'http://127.0.0.1:7878', codeHost: 'gitlab', draft: { name: 'n' } },
    { prompt: 'p', connected: 'yes' },
    { prompt: 'p', connected: true, codeHost: 'svn', draft: { mode: 'other' } },
    {},
    null,
  ],
  sandbox: [{}, { status: { kind: 'nope' } }, { status: 3 }],
  pickWorkspaceRepositories: [{ repositories: ['acme/a'] }, { repositories: 'acme/a' }],
  loadRepositoriesFromFile: [{ repositories: [], skipped: ['x'] }, { repositories: [1] }],
  submit: [
    { ok: true, job: sampleJob() },
    { ok: true, job: { ...sampleJob(), status: 'NOT A STATUS' } },
    { ok: false, fieldErrors: { name: 'is required' }, message: 'Check the form' },
    { ok: false, fieldErrors: { name: 3 }, message: 'Check the form' },
    { ok: 'maybe' },
  ],
  previewRepositories: [
    { ok: true, count: 1, repositories: ['acme/a'], notes: [] },
    { ok: true, count: -1, repositories: ['acme/a'], notes: [] },
    { ok: false, fieldErrors: {}, message: 'm' },
  ],
  close: [{ done: true }, { done: false }, {}],
  takeOfferedPrompt: [{}, { prompt: 'p' }, { prompt: 5 }],
  takeOfferedDraft: [
    {},
    { draft: { name: 'n', repositorySource: 'query' } },
    { draft: { repositorySource: 'elsewhere' } },
  ],
};

/** Panel states VS Code may give back: as saved, from an older form, or damaged. */
const STATES: unknown[] = [
  {},
  { draft: { name: 'n', pullRequest: { title: 't', body: '', labels: '', reviewers: '', teamReviewers: '' } } },
  { draft: { name: 5 }, offeredPrompt: 'p' },
  { offeredPrompt: 7 },
  { draft: 'x' },
];

type Parsed = { success: true; data: unknown } | { success: false; error: { issues: unknown[] } };

/**
 * What a parse gave: the value, or the issues, as JSON (zod's classic and core errors are different
 * classes, and the bundle runs in a context of its own).
 */
const outcome = (parsed: unknown) => {
  const result = parsed as Parsed;
  return JSON.parse(JSON.stringify(result.success ? { data: result.data } : { issues: result.error.issues }));
};

describe('zodLite, the Create Job form’s zod', function () {
  this.timeout(60_000);
  let lite: Module;

  before(async () => {
    // @ts-expect-error esbuild.mjs is JavaScript, without declarations
    const { zodLite } = (await import('../../esbuild.mjs')) as { zodLite: import('esbuild').Plugin };
    const result = await build({
      stdin: {
        contents:
          "export * as z from 'zod';\n" +
          "export { checkDraft } from './common/jobDraft';\n" +
          "export { CreateJobPanelState, createJobProtocol } from './common/webviewProtocol';\n",
        resolveDir: path.resolve(__dirname, '..', '..'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'error',
      plugins: [zodLite],
    });
    const text = result.outputFiles[0]!.text;
    assert.match(text, /ZodMiniObject/, 'the bundle has zod/mini');
    assert.doesNotMatch(text, /ZodISODateTime|"ZodEmail"/, 'and not zod’s classic API');
    // A context of its own: zod keeps its settings (the locale among them) on globalThis.
    const module = { exports: {} as Module };
    vm.runInNewContext(text, { module, exports: module.exports, require, console, URL, TextEncoder, TextDecoder });
    lite = module.exports;
  });

  it('checks every draft as the API’s schema does, with the same messages', () => {
    for (const each of DRAFTS)
      assert.deepEqual(
        JSON.parse(JSON.stringify(lite.checkDraft(each))),
        JSON.parse(JSON.stringify(checkDraft(each))),
        JSON.stringify(each).slice(0, 200),
      );
  });

  it('takes back a panel state as zod does', () => {
    for (const state of STATES)
      assert.deepEqual(
        outcome(lite.CreateJobPanelState.safeParse(state)),
        outcome(CreateJobPanelState.safeParse(state)),
        JSON.stringify(state),
      );
  });

  it('accepts and refuses the extension’s replies as zod does', () => {
    const requests = createJobProtocol.requests as Record<string, { result: { safeParse(value: unknown): unknown } }>;
    const liteRequests = lite.createJobProtocol.requests as typeof requests;
    assert.deepEqual(Object.keys(REPLIES).sort(), Object.keys(requests).sort(), 'a reply for every request');
    for (const [method, replies] of Object.entries(REPLIES))
      for (const reply of replies) {
        const expected = outcome(requests[method]!.result.safeParse(reply));
        assert.deepEqual(
          outcome(liteRequests[method]!.result.safeParse(reply)),
          expected,
          `${method}: ${JSON.stringify(reply)}`,
        );
      }
  });

  it('gives each method of zod’s classic API it has the meaning zod gives it, with the same messages', () => {
    for (const [name, make, inputs] of PROBES) {
      const ours = make(lite.z as unknown as typeof z);
      const zods = make(z);
      for (const input of inputs)
        assert.deepEqual(
          outcome(ours.safeParse(input)),
          outcome(zods.safeParse(input)),
          `${name}: ${JSON.stringify(input)}`,
        );
    }
  });
});

type Probe = [string, (api: typeof z) => z.ZodType, unknown[]];

const TEXTS = ['', 'a', ' Ab ', 'abc', 'abcd', 'xyz', 'https://example.com/a', 'not a url', 3, null, undefined];
const NUMBERS = [-1, 0, 0.5, 1, 2, 3, 3.5, 100, Number.NaN, '2', null, undefined];
const LISTS = [[], ['a'], ['a', 'b'], ['a', 'b', 'c'], [1], 'a', undefined];
const OBJECTS = [{}, { a: 'x' }, { a: 'x', b: 1 }, { a: 1, b: 'y' }, { a: 'x', b: 1, c: true }, { c: 'z' }, null, []];

/** Every method zodLite.ts gives, on inputs either side of what it checks. */
const PROBES: Probe[] = [
  ['string max', (api) => api.string().max(3), TEXTS],
  ['string max, message', (api) => api.string().max(3, { error: 'too long' }), TEXTS],
  ['string min', (api) => api.string().min(2, 'too short'), TEXTS],
  ['string length', (api) => api.string().length(3), TEXTS],
  ['string nonempty', (api) => api.string().nonempty(), TEXTS],
  ['string regex', (api) => api.string().regex(/^a/, 'starts with a'), TEXTS],
  ['string includes', (api) => api.string().includes('b'), TEXTS],
  ['string startsWith', (api) => api.string().startsWith('a'), TEXTS],
  ['string endsWith', (api) => api.string().endsWith('c'), TEXTS],
  ['string trim', (api) => api.string().trim().max(2), TEXTS],
  [
    'string toLowerCase',
    (api) =>
      api
        .string()
        .toLowerCase()
        .regex(/^[a-z ]*$/),
    TEXTS,
  ],
  ['string toUpperCase', (api) => api.string().toUpperCase(), TEXTS],
  ['url', (api) => api.url(), TEXTS],
  ['number int', (api) => api.number().int(), NUMBERS],
  ['number min max', (api) => api.number().min(1).max(3), NUMBERS],
  ['number gte lte', (api) => api.number().gte(1).lte(3, 'at most 3'), NUMBERS],
  ['number gt lt', (api) => api.number().gt(0).lt(3), NUMBERS],
  ['number positive', (api) => api.number().positive(), NUMBERS],
  ['number nonnegative', (api) => api.number().nonnegative(), NUMBERS],
  ['number negative', (api) => api.number().negative(), NUMBERS],
  ['number nonpositive', (api) => api.number().nonpositive(), NUMBERS],
  ['coerce number', (api) => api.coerce.number({ error: 'a number' }).int().min(1).default(25), NUMBERS],
  ['coerce string', (api) => api.coerce.string(), NUMBERS],
  ['coerce boolean', (api) => api.coerce.boolean(), [0, 1, '', 'x', undefined]],
  ['boolean', (api) => api.boolean(), [true, false, 'true', undefined]],
  ['unknown', (api) => api.unknown(), [1, undefined, null]],
  ['literal', (api) => api.literal('a'), TEXTS],
  ['array', (api) => api.array(api.string()).min(1).max(2), LISTS],
  ['array length nonempty', (api) => api.array(api.string()).length(2).nonempty(), LISTS],
  ['.array()', (api) => api.string().array(), LISTS],
  ['optional', (api) => api.string().optional(), TEXTS],
  ['optional()', (api) => api.optional(api.string()), TEXTS],
  ['nullable', (api) => api.string().nullable(), TEXTS],
  ['nullable()', (api) => api.nullable(api.string()), TEXTS],
  ['nullish', (api) => api.string().nullish(), TEXTS],
  ['default', (api) => api.string().default('d'), TEXTS],
  ['catch', (api) => api.string().max(2).catch('caught'), TEXTS],
  ['or', (api) => api.string().or(api.number()), TEXTS],
  ['refine', (api) => api.string().refine((value) => value !== 'abc', { message: 'not abc', path: ['x'] }), TEXTS],
  [
    'superRefine',
    (api) =>
      api.string().superRefine((value, context) => {
        if (value.length === 1) context.addIssue({ code: 'custom', message: 'one letter' });
      }),
    TEXTS,
  ],
  ['transform', (api) => api.string().transform((value) => value.length), TEXTS],
  ['pipe', (api) => api.string().pipe(api.string().max(2)), TEXTS],
  ['object', (api) => api.object({ a: api.string(), b: api.number().optional() }), OBJECTS],
  ['strictObject', (api) => api.strictObject({ a: api.string(), b: api.number().optional() }), OBJECTS],
  ['looseObject', (api) => api.looseObject({ a: api.string() }), OBJECTS],
  ['strict', (api) => api.object({ a: api.string() }).strict(), OBJECTS],
  ['loose', (api) => api.object({ a: api.string() }).loose(), OBJECTS],
  ['passthrough', (api) => api.object({ a: api.string() }).passthrough(), OBJECTS],
  ['catchall', (api) => api.object({ a: api.string() }).catchall(api.number()), OBJECTS],
  ['strip', (api) => api.strictObject({ a: api.string() }).strip(), OBJECTS],
  ['extend', (api) => api.object({ a: api.string() }).extend({ b: api.number() }), OBJECTS],
  ['safeExtend', (api) => api.object({ a: api.string() }).safeExtend({ b: api.number() }), OBJECTS],
  ['merge', (api) => api.object({ a: api.string() }).merge(api.object({ c: api.string() })), OBJECTS],
  ['partial', (api) => api.object({ a: api.string(), b: api.number() }).partial(), OBJECTS],
  ['partial, a mask', (api) => api.object({ a: api.string(), b: api.number() }).partial({ b: true }), OBJECTS],
  ['required', (api) => api.object({ a: api.string().optional(), b: api.number() }).required(), OBJECTS],
  ['pick', (api) => api.object({ a: api.string(), b: api.number() }).pick({ a: true }), OBJECTS],
  ['omit', (api) => api.object({ a: api.string(), b: api.number() }).omit({ a: true }), OBJECTS],
  ['keyof', (api) => api.object({ a: api.string(), b: api.number() }).keyof(), TEXTS],
  ['shape', (api) => api.object({ a: api.string().max(1) }).shape.a, TEXTS],
  ['record', (api) => api.record(api.string(), api.number()), OBJECTS],
  ['union', (api) => api.union([api.string(), api.number()]), TEXTS],
  [
    'discriminatedUnion',
    (api) =>
      api.discriminatedUnion('ok', [
        api.object({ ok: api.literal(true), a: api.string() }),
        api.object({ ok: api.literal(false), b: api.number() }),
      ]),
    [{ ok: true, a: 'x' }, { ok: false, b: 1 }, { ok: true, b: 1 }, { ok: 'x' }, {}, null],
  ],
  ['enum', (api) => api.enum(['a', 'abc', 'xyz']), TEXTS],
  ['enum exclude', (api) => api.enum(['a', 'abc', 'xyz']).exclude(['abc']), TEXTS],
  ['enum extract', (api) => api.enum(['a', 'abc', 'xyz']).extract(['abc', 'xyz']), TEXTS],
  ['enum options', (api) => api.enum(api.enum(['a', 'abc', 'xyz']).options.slice(1) as ['abc', 'xyz']), TEXTS],
  ['enum .enum', (api) => api.literal(api.enum(['a', 'abc']).enum.abc), TEXTS],
  ['array element', (api) => api.array(api.string().max(1)).element, TEXTS],
];
