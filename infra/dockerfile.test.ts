import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV } from '../common/names';
import { REPO_ROOT, WORKER_DOCKERFILE } from './paths';
import { assetManifest, resourcesOf, synthesizeBoth } from './testing';

// The worker image, checked without building it (`npm run test:image` builds and runs it): what the Dockerfile copies
// exists after `npm run build`, the build context synth stages holds exactly that, and the users
// are set up so commands cannot reach the worker's environment.

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

function filesUnder(root: string, folder = ''): string[] {
  return readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = folder ? `${folder}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(root, relative) : [relative];
  });
}

describe('infra: the worker image (backend/worker/Dockerfile)', function () {
  this.timeout(120_000);
  const instructions = parseDockerfile(readFileSync(path.join(REPO_ROOT, WORKER_DOCKERFILE), 'utf8'));
  const all = (keyword: string) => instructions.filter((instruction) => instruction.keyword === keyword);
  const copySources = all('COPY')
    .filter((copy) => !copy.args.includes('--from'))
    .flatMap((copy) =>
      copy.args
        .split(/\s+/)
        .filter((word) => !word.startsWith('--'))
        .slice(0, -1),
    );
  const run = all('RUN')
    .map((instruction) => instruction.args)
    .join('\n');

  it('copies files that `npm run build` has made', () => {
    assert.ok(copySources.includes('dist/worker.js'), `copies the worker bundle (${copySources.join(', ')})`);
    for (const source of copySources)
      assert.ok(existsSync(path.join(REPO_ROOT, source)), `${source} exists after npm run build`);
  });

  it('gets a build context of exactly the Dockerfile and what it copies (no node_modules, no sources)', () => {
    const images = Object.values(assetManifest('dev').dockerImages);
    assert.equal(images.length, 1, 'one image: the worker');
    const { source } = images[0]!;
    assert.equal(source.dockerFile, WORKER_DOCKERFILE);
    assert.equal(source.platform, 'linux/amd64');
    const staged = filesUnder(source.directory).sort();
    assert.deepEqual(staged, ['.dockerignore', WORKER_DOCKERFILE, ...copySources].sort());
  });

  it('runs the worker bundle on the Node.js line of the Lambdas, under an init, as a user who is not root', () => {
    // One Node line for the API, the sweeper and the worker: the Lambda runtime is nodejsNN.x.
    const runtimes = new Set(
      Object.values(resourcesOf(synthesizeBoth().templates.prod, 'AWS::Lambda::Function')).map((fn) =>
        String(fn.Properties!.Runtime),
      ),
    );
    assert.equal(runtimes.size, 1, [...runtimes].join());
    const major = /^nodejs(\d+)\.x$/.exec([...runtimes][0]!)?.[1];
    assert.ok(major, [...runtimes].join());
    assert.match(all('FROM')[0]!.args, new RegExp(`^node:${major}(-[a-z]+)*-slim$`));
    assert.match(run, /apt-get install[^\n]*\bgit\b/);
    assert.deepEqual(JSON.parse(all('CMD').at(-1)!.args), ['node', '--enable-source-maps', 'dist/worker.js']);
    assert.deepEqual(JSON.parse(all('ENTRYPOINT').at(-1)!.args), ['/usr/bin/tini', '--']);
    const user = all('USER').at(-1)?.args;
    assert.ok(user && !['root', '0'].includes(user), `USER ${user}`);
    assert.match(run, new RegExp(`useradd [^\\n&]*\\b${user}\\b`), `the image creates ${user}`);
  });

  it('names a second, unprivileged user for commands, whom the worker may become and who may not become root', () => {
    const worker = all('USER').at(-1)!.args;
    const environment = all('ENV')
      .map((instruction) => instruction.args)
      .join(' ');
    const commandUser = new RegExp(`${ENV.commandUser}=([a-z][a-z0-9-]*)`).exec(environment)?.[1];
    assert.ok(commandUser, `${ENV.commandUser} is set in the image`);
    assert.notEqual(commandUser, worker);
    assert.match(run, new RegExp(`useradd [^\\n&]*\\b${commandUser}\\b`), `the image creates ${commandUser}`);
    // The one sudo rule: the worker user may run commands as the command user, and as no one else.
    const rules = [...run.matchAll(/'([^']*ALL=\([^']*)'/g)].map((match) => match[1]);
    assert.deepEqual(rules, [`${worker} ALL=(${commandUser}) NOPASSWD: ALL`]);
    assert.match(run, /visudo --check/);
    // No pty: a command stays in the process group the worker made, so stopping it reaches it all.
    assert.match(run, new RegExp(`Defaults:${worker} !use_pty`));
  });
});
