import assert from 'node:assert/strict';
import { RE2JS as Engine } from 're2js';
import type { CreateJobDraft } from '../../common/webviewProtocol';
import { renderForm } from '../../test/helpers/createJobForm';
import { deferNameEngine, nameEngineArrives } from './nameEngine';

// The Create Job webview loads the name filters' engine after the form paints (esbuild.mjs,
// nameEngine.ts). Until it arrives, an include or exclude expression is neither accepted nor
// refused: the field says it is being checked, Create Job and Preview wait, and the form checks
// again when the engine comes. Here the engine is made to wait as in the webview's bundle.

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('Create Job form: the name filters’ engine arriving after the form (DOM)', () => {
  beforeEach(() => deferNameEngine());
  afterEach(() => {
    globalThis.codyBatchNameEngine = undefined;
  });

  function queryForm() {
    const previews: unknown[] = [];
    const form = renderForm(undefined, {
      previewRepositories: async (request) => {
        previews.push(request);
        return { ok: true, count: 1, repositories: ['acme/api'] };
      },
    });
    form.type('name', 'Adopt v2');
    form.type('query-owners', 'acme');
    form.check('source-query');
    return { ...form, previews };
  }

  it('neither refuses nor accepts an expression before the engine arrives, and checks it when it does', async () => {
    const form = queryForm();
    form.type('query-include', 'api(');
    assert.equal(form.text('#query-include-error'), 'Checking…');
    assert.equal(form.$('#query-include').getAttribute('aria-invalid'), null, 'not refused');
    await form.click('#submit');
    assert.deepEqual(form.submitted, [], 'not accepted: Create Job waits for the engine');

    nameEngineArrives(Engine);
    await settle();
    assert.match(form.text('#query-include-error'), /^is not a valid regular expression: missing closing \)/);
    assert.equal(form.$('#query-include').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(form.submitted, [], 'refused once checked');
    await form.close();
  });

  it('creates the job that waited, once the engine accepts its expression', async () => {
    const form = queryForm();
    form.type('query-exclude', '-legacy$');
    assert.equal(form.text('#query-exclude-error'), 'Checking…');
    const preview = form.click('#preview-repositories');
    await form.click('#submit');
    assert.deepEqual(form.previews, [], 'Preview waits too');
    assert.deepEqual(form.submitted, []);

    nameEngineArrives(Engine);
    await preview;
    await settle();
    assert.equal(form.text('#query-exclude-error'), '');
    assert.deepEqual(form.previews, [{ repositoryQuery: { owners: ['acme'], exclude: '-legacy$' } }]);
    const submitted = form.submitted as CreateJobDraft[];
    assert.equal(submitted.length, 1, 'the waiting Create Job went ahead');
    assert.equal(submitted[0]!.query?.exclude, '-legacy$');
    await form.close();
  });

  it('checks other fields and queries without an expression at once', async () => {
    const form = queryForm();
    await form.click('#submit');
    assert.equal(form.submitted.length, 1);
    await form.close();
  });
});

describe('re2js in the Create Job form’s bundle (re2Deferred.ts)', () => {
  afterEach(() => {
    globalThis.codyBatchNameEngine = undefined;
  });

  it('refuses to compile before the engine arrives, and compiles as re2js does after', async () => {
    // Imported here: the module marks the engine as on its way when it is first run, as in the bundle.
    const { RE2JS: Deferred } = await import('./re2Deferred');
    deferNameEngine();
    assert.throws(() => Deferred.compile('^acme/', Deferred.CASE_INSENSITIVE), /has not arrived yet/);
    nameEngineArrives(Engine);
    assert.equal(
      Deferred.compile(Deferred.translateRegExp('^ACME/'), Deferred.CASE_INSENSITIVE).test('acme/api'),
      true,
    );
    assert.throws(() => Deferred.compile('api('), /missing closing \)/);
  });
});
