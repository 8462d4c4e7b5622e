import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV } from '../common/names';
import { tableNamesFor } from '../backend/store/tables';
import { CONFIG_KEYS, DEPLOY_ENVIRONMENTS, defaultConfig, type ConfigKey } from './config';
import { REPO_ROOT } from './paths';
import { nagAcknowledgments, synthesizeBoth, synthesizeCodeHost, synthesizeEveryParameter, type Json } from './testing';

// docs/operations.md promises that every name and command in it is the real one. An operator
// copies them into a shell, so each is checked against what the stack and the repository define.

const GUIDE = readFileSync(path.join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');

/** Names the guide makes up for the operator to choose, not names the stack creates. */
const EXAMPLE_NAMES = new Set(['cody-batch-prod-jobs-restored']);

function stringsIn(value: Json, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') found.add(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) stringsIn(item, found);
  return found;
}

function section(start: string, end: string): string {
  const from = GUIDE.indexOf(start);
  const to = GUIDE.indexOf(end, from);
  assert.ok(from >= 0 && to > from, `the guide has a section from "${start}" to "${end}"`);
  return GUIDE.slice(from, to);
}

describe('infra: docs/operations.md names what the code creates', function () {
  this.timeout(120_000);

  it('names only resources, log groups and secrets the stacks create (and the local stack’s tables)', () => {
    const { templates } = synthesizeBoth();
    // A dev stack on GitLab or as a GitHub App names its own credential's secret.
    const variants = (['gitlab', 'app'] as const).map(
      (variant) => synthesizeCodeHost(variant).template.toJSON() as Json,
    );
    const names = {
      dev: new Set([templates.dev.toJSON() as Json, ...variants].flatMap((template) => [...stringsIn(template)])),
      prod: stringsIn(templates.prod.toJSON() as Json),
      local: new Set(Object.values(tableNamesFor('local'))),
    };
    const mentioned = new Set(
      GUIDE.match(
        /(?:\/aws\/[a-z]+\/)?cody-batch-(?:dev|prod|local)-[a-z0-9-]*[a-z0-9]|cody-batch\/(?:dev|prod)\/[a-z-]+/g,
      ),
    );
    assert.ok(mentioned.size > 20, 'the guide names the resources');
    for (const name of mentioned) {
      if (EXAMPLE_NAMES.has(name)) continue;
      const env = /cody-batch[-/](dev|prod|local)/.exec(name)![1] as keyof typeof names;
      assert.ok(names[env].has(name), `${name} is not a name the ${env} stack has`);
    }
  });

  it('lists the stack outputs it reads, by their keys', () => {
    const outputs = [
      ...new Set(
        [
          synthesizeBoth().templates.dev,
          synthesizeCodeHost('gitlab').template,
          synthesizeCodeHost('app').template,
        ].flatMap((template) => Object.keys(template.toJSON().Outputs as object)),
      ),
    ].sort();
    const listed = [...section("The stack's outputs:", 'To read one').matchAll(/`(\w+)`/g)]
      .map((match) => match[1]!)
      .sort();
    assert.deepEqual(listed, outputs);
    for (const [, key] of GUIDE.matchAll(/OutputKey=='(\w+)'/g)) assert.ok(outputs.includes(key!), `output ${key}`);
  });

  it('gives every deploy parameter with its real defaults', () => {
    const rows = [...section('### Parameters', 'A wrong value').matchAll(/^\| `(\w+)` \|([^|]*)\|([^|]*)\|/gm)];
    assert.deepEqual(rows.map((row) => row[1]).sort(), [...CONFIG_KEYS].sort());
    const cell = (text: string) => text.trim().replace(/`/g, '');
    for (const [, key, dev, prod] of rows) {
      if (key === 'env') continue;
      const expected = (env: 'dev' | 'prod') => {
        const value = defaultConfig(env)[key as Exclude<ConfigKey, 'env'>];
        return value === undefined ? 'unset' : String(value);
      };
      assert.equal(cell(dev!), expected('dev'), `${key}, dev default`);
      assert.equal(cell(prod!) === 'same' ? cell(dev!) : cell(prod!), expected('prod'), `${key}, prod default`);
    }
  });

  it('lists every cdk-nag exception the stacks acknowledge: rule, resource and reason, as the code states them', () => {
    const both = synthesizeBoth();
    const everyParameter = synthesizeEveryParameter();
    const acknowledgments = [
      ...DEPLOY_ENVIRONMENTS.flatMap((env) => nagAcknowledgments(both.assembly, both.stacks[env])),
      ...nagAcknowledgments(everyParameter.assembly, everyParameter.stack),
      ...(['gitlab', 'app'] as const).flatMap((variant) => {
        const { assembly, stack } = synthesizeCodeHost(variant);
        return nagAcknowledgments(assembly, stack);
      }),
    ];
    const perEnv = (text: string) => text.replace(/cody-batch-(?:dev|prod)-/g, 'cody-batch-{env}-');
    const applied = new Set(
      acknowledgments.map(({ rule, resource, reason }) => [rule, resource, reason].map(perEnv).join(' | ')),
    );
    const rows = [
      ...section('## Rule exceptions (cdk-nag)', '\n## ').matchAll(/^\| `([^`]+)` \| `([^`]+)` \| (.+?) \|$/gm),
    ].map(([, rule, resource, reason]) => `${rule} | ${resource} | ${reason}`);
    assert.ok(rows.length > 0, 'the guide has the table');
    assert.deepEqual(
      rows.filter((row, i) => rows.indexOf(row) !== i),
      [],
      'no row twice',
    );
    assert.deepEqual([...rows].sort(), [...applied].sort());
  });

  it('runs only npm scripts that exist, and names only variables the code reads', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const [, script] of GUIDE.matchAll(/npm run ([a-z:]+)/g)) assert.ok(script! in scripts, `npm run ${script}`);
    const variables = new Set<string>(Object.values(ENV));
    for (const [variable] of GUIDE.matchAll(/\bCODY_BATCH_[A-Z_]+/g)) assert.ok(variables.has(variable), variable);
  });
});
