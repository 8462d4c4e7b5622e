import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ENV } from '../common/names';
import { JOB_TRANSITIONS, REPOSITORY_TRANSITIONS } from '../common/status';
import { INSTRUCTION_FILES } from '../backend/worker/agent/instructions';
import { REPO_ROOT } from './helpers/localStack';

// docs/architecture.md is the contract every part is built to; these checks keep the parts of it
// that a machine can check true as the code changes: the import rules between folders, the status
// rules, and the worker's environment variables.

const DOC = readFileSync(path.join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');

/** What each folder's source files (not its tests) may import, besides itself and packages. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  common: [],
  'backend/store': ['common'],
  'backend/executor': [
    'common',
    'backend/store',
    'backend/worker/config.ts',
    'backend/worker/secrets.ts',
    'backend/worker/runFolders.ts',
    'backend/worker/runProcesses.ts',
    'backend/worker/nextShard.ts',
    'backend/hosts',
  ],
  'backend/hosts': ['common'],
  'backend/api': ['common', 'backend/store', 'backend/executor', 'backend/hosts', 'package.json'],
  'backend/worker': ['common', 'backend/store', 'backend/hosts'],
  'backend/local': ['common', 'backend/store', 'backend/executor', 'backend/api', 'backend/worker', 'backend/hosts'],
  cli: ['common', 'backend/local', 'package.json'],
  extension: ['common', 'package.json'],
  webviews: ['common'],
  'webviews/app': ['common', 'webviews'],
  infra: ['common', 'backend/store/tables.ts', 'backend/worker/config.ts'],
};

/** Packages and built-ins browser code must never reach, directly or through common/. */
const NODE_ONLY = /^(node:|simple-git$|@aws-sdk\/|@smithy\/|dynalite$|vscode$)/;

function sourceFiles(folder: string, { tests = false } = {}): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (
        /\.(ts|mjs)$/.test(entry.name) &&
        (tests || !/\.test\.ts$/.test(entry.name)) &&
        !entry.name.endsWith('.d.ts')
      )
        out.push(full);
    }
  };
  walk(path.join(REPO_ROOT, folder));
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = new Set<string>();
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*'([^']+)'/g))
    specifiers.add(match[1]!);
  for (const match of text.matchAll(/(?:^|\n)\s*import\s*'([^']+)'/g)) specifiers.add(match[1]!);
  for (const match of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) specifiers.add(match[1]!);
  return [...specifiers];
}

/** The file a relative import names, as a path from the repository root. */
function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.json`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return path.relative(REPO_ROOT, candidate);
  }
  throw new Error(`${path.relative(REPO_ROOT, from)} imports ${specifier}, which is not a file`);
}

describe('docs/architecture.md holds', () => {
  it('every folder imports only what its row of the layers table allows', () => {
    const broken: string[] = [];
    for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
      for (const file of sourceFiles(folder)) {
        for (const specifier of importsOf(file)) {
          if (!specifier.startsWith('.')) {
            if (specifier === 'vscode' && folder !== 'extension') broken.push(`${file}: vscode`);
            continue;
          }
          const target = resolveRelative(file, specifier);
          if (target.startsWith(`${folder}/`)) continue;
          const ok = allowed.some((rule) => target === rule || target.startsWith(`${rule}/`));
          if (!ok) broken.push(`${path.relative(REPO_ROOT, file)} imports ${target}`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it('keeps each code host inside its folder: no other source imports its client or names its token format or API', () => {
    const hosts: { folder: string; imports: RegExp; knows: RegExp; what: string }[] = [
      { folder: 'backend/hosts/github/', imports: /^@octokit\//, knows: /x-access-token|gh\[pousr\]/, what: 'GitHub' },
      {
        folder: 'backend/hosts/gitlab/',
        imports: /^@gitbeaker\//,
        // GitLab's token prefixes, its git user, its token header and its API's path.
        knows: /glpat|gl\(\?:pat|GR1348941|'oauth2'|PRIVATE-TOKEN|\/api\/v4/i,
        what: 'GitLab',
      },
    ];
    const broken: string[] = [];
    for (const folder of Object.keys(MAY_IMPORT)) {
      for (const file of sourceFiles(folder)) {
        const relative = path.relative(REPO_ROOT, file);
        const text = readFileSync(file, 'utf8');
        for (const host of hosts) {
          if (relative.startsWith(host.folder)) continue;
          if (importsOf(file).some((specifier) => host.imports.test(specifier)))
            broken.push(`${relative}: ${host.what}'s client`);
          if (host.knows.test(text)) broken.push(`${relative}: ${host.what}'s token format or API`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it('the table names each folder it checks, and each folder exists', () => {
    for (const folder of Object.keys(MAY_IMPORT)) {
      assert.ok(existsSync(path.join(REPO_ROOT, folder)), folder);
      assert.ok(DOC.includes(`| \`${folder}/\` |`), `the layers table has a row for ${folder}/`);
    }
  });

  it('browser code reaches no Node-only module, directly or through common/', () => {
    const seen = new Set<string>();
    const broken: string[] = [];
    const visit = (file: string, via: string[]) => {
      const relative = path.relative(REPO_ROOT, file);
      if (seen.has(relative)) return;
      seen.add(relative);
      if (relative.endsWith('.json')) return;
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith('.')) {
          visit(path.join(REPO_ROOT, resolveRelative(file, specifier)), [...via, relative]);
        } else if (NODE_ONLY.test(specifier)) {
          broken.push(`${[...via, relative].join(' → ')} → ${specifier}`);
        }
      }
    };
    for (const file of sourceFiles('webviews')) visit(file, []);
    assert.deepEqual(broken, []);
    assert.ok(
      [...seen].some((file) => file.startsWith('common/')),
      'the walk reached common/',
    );
  });

  it('gives the status rules exactly as common/status.ts has them', () => {
    const table = (heading: string) => {
      const start = DOC.indexOf(heading);
      assert.ok(start >= 0, heading);
      const rows = DOC.slice(start).split('\n\n')[1]!.split('\n').slice(2);
      return Object.fromEntries(
        rows.map((row) => {
          const [, from, to] = row.split('|').map((cell) => cell.trim());
          return [from!.replace(/`/g, ''), to === '—' ? [] : to!.split(',').map((s) => s.trim().replace(/`/g, ''))];
        }),
      );
    };
    assert.deepEqual(table('Repository (`REPOSITORY_TRANSITIONS`):'), REPOSITORY_TRANSITIONS);
    assert.deepEqual(table('Job (`JOB_TRANSITIONS`):'), JOB_TRANSITIONS);
  });

  it('names every variable of the worker and executor environment', () => {
    const section = DOC.slice(DOC.indexOf("### The worker's environment contract"), DOC.indexOf('## Executors'));
    const workerVariables = [
      ENV.env,
      ENV.jobsTable,
      ENV.repositoriesTable,
      ENV.dynamodbEndpoint,
      ENV.dynamodbCredentials,
      ENV.artifacts,
      ENV.jobId,
      ENV.batchArrayIndex,
      ENV.repositoryIndex,
      ENV.shardSize,
      ENV.githubToken,
      ENV.githubAppId,
      ENV.githubAppPrivateKey,
      ENV.codeHost,
      ENV.gitlabUrl,
      ENV.gitlabToken,
      ENV.anthropicApiKey,
      ENV.claudeProvider,
      ENV.bedrockModel,
      ENV.anthropicBaseUrl,
      ENV.githubApiUrl,
      ENV.gitBase,
      ENV.commandUser,
      ENV.secretsFd,
      ENV.runMarker,
      ENV.workDir,
      ENV.heartbeatMs,
      ENV.staleAfterMs,
      ENV.wallTimeMs,
      ENV.verifyRounds,
      ENV.claudeMaxRetries,
      ENV.codeCache,
      ENV.runKind,
      ENV.sandbox,
      ENV.sandboxBwrap,
      ENV.home,
      ENV.trustedKeys,
      ENV.workerKey,
      ENV.previousWorkerKey,
    ];
    for (const name of workerVariables) assert.ok(section.includes(`\`${name}\``), `${name} is in the contract`);
  });

  it('cites no document the repository does not have', () => {
    const cited: string[] = [];
    for (const folder of [...Object.keys(MAY_IMPORT), 'test', 'bench']) {
      for (const file of sourceFiles(folder)) {
        for (const match of readFileSync(file, 'utf8').matchAll(/\b([\w./-]+\.md)\b/g)) {
          const name = match[1]!;
          // The files of the repositories Claude works on that it reads, not documents of ours.
          if (INSTRUCTION_FILES.some((file) => file.endsWith(name))) continue;
          const exists = [path.join(REPO_ROOT, name), path.join(REPO_ROOT, 'docs', name)].some((p) => existsSync(p));
          if (!exists) cited.push(`${path.relative(REPO_ROOT, file)}: ${name}`);
        }
      }
    }
    assert.deepEqual(cited, []);
  });
});

/** The folders madge reads in docs/architecture.md's cycle check (`npx madge --circular …`). */
const CYCLE_FOLDERS = ['common', 'backend', 'cli', 'extension', 'webviews', 'infra'] as const;

/**
 * The import cycles among these files: each strongly connected group of two or more files (or a
 * file that imports itself), shown as one cycle through it, `a.ts > b.ts > a.ts`, and the group's
 * other files. Type-only and dynamic imports count, as they do for madge.
 */
function importCycles(files: readonly string[]): string[] {
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const from = path.relative(REPO_ROOT, file);
    const targets = importsOf(file)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolveRelative(file, specifier))
      .filter((target) => target.endsWith('.ts'));
    edges.set(from, [...new Set(targets)]);
  }
  // Tarjan's strongly connected components, iteratively (a deep import chain must not overflow the stack).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, index.size);
    low.set(root, index.get(root)!);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1]!;
      const targets = edges.get(top.node) ?? [];
      if (top.next < targets.length) {
        const target = targets[top.next++]!;
        if (!index.has(target)) {
          index.set(target, index.size);
          low.set(target, index.get(target)!);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) low.set(top.node, Math.min(low.get(top.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) !== index.get(top.node)) continue;
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== top.node);
      if (group.length > 1 || (edges.get(top.node) ?? []).includes(top.node)) groups.push(group.sort());
    }
  }
  return groups.map((group) => {
    const cycle = cycleThrough(group[0]!, new Set(group), edges);
    const others = group.filter((file) => !cycle.includes(file));
    return `${cycle.join(' > ')}${others.length ? ` (tied in too: ${others.join(', ')})` : ''}`;
  });
}

/** The shortest way from `start` back to itself inside its group. */
function cycleThrough(start: string, group: ReadonlySet<string>, edges: ReadonlyMap<string, readonly string[]>) {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const target of edges.get(node) ?? []) {
      if (!group.has(target)) continue;
      if (target === start) {
        const way = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)!) way.splice(1, 0, at);
        return [...way, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

describe('the source', () => {
  it(`has no import cycles in ${CYCLE_FOLDERS.join(', ')} (type-only and dynamic imports count)`, () => {
    const files = CYCLE_FOLDERS.flatMap((folder) => sourceFiles(folder, { tests: true })).filter((file) =>
      file.endsWith('.ts'),
    );
    assert.deepEqual(importCycles(files), []);
  });

  it('keeps every file in common/ at 400 lines or fewer (split by job or resource, an index where callers import the folder)', () => {
    const long = sourceFiles('common', { tests: true })
      .map((file) => ({
        file: path.relative(REPO_ROOT, file),
        lines: readFileSync(file, 'utf8').split('\n').length - 1,
      }))
      .filter(({ lines }) => lines > 400);
    assert.deepEqual(long, []);
  });

  it(`has no line over 160 characters outside the tests in ${CYCLE_FOLDERS.join(', ')} (split a long string into parts)`, () => {
    const long = CYCLE_FOLDERS.flatMap((folder) => sourceFiles(folder)).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (line.length > 160 ? [`${path.relative(REPO_ROOT, file)}:${index + 1}`] : [])),
    );
    assert.deepEqual(long, []);
  });
});
