import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FolderArtifactStore } from '../backend/store/artifacts';
import { artifactKey } from '../common/names';
import { waitForJob } from './helpers/jobs';
import { CLI, type StackProcess } from './helpers/localStack';
import { World } from './helpers/world';

// A terminal is not an attack surface (issue 24): what a repository holds (file contents, file
// names, its command's output) reaches the CLI's output, and a terminal obeys escape sequences in it
// (OSC 0 sets the window title, CSI 2J clears the screen, OSC 52 writes the clipboard). Every
// command is run here as a user runs it, on a real terminal (a pty, through util-linux's `script`),
// against the real local stack whose code host is git over HTTP and the loopback GitHub; and
// `diff` piped stays the stored patch byte for byte.

const exec = promisify(execFile);
const TOKEN = 'ghp_FAKEgithubTOKENforTerminalTests0123456789';
/** What a terminal would obey: C0 controls but newline and tab, DEL, C1 controls, and bidi/invisible characters. */
const OBEYED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
/** The command every repository runs: a file whose contents and name carry escape sequences; one repository fails with them. */
const COMMAND = [
  `if [ -f fail ]; then printf 'boom \\033]0;pwned-by-output\\007\\033[2J \\302\\233 \\342\\200\\256\\n'; exit 3; fi`,
  `printf 'title \\033]0;pwned\\007 clear \\033[2J clipboard \\033]52;c;cm0gLXJmIH4=\\007 c1 \\302\\23331m\\rhidden \\342\\200\\256 reversed\\n' > evil.txt`,
  `touch "$(printf 'named\\033[2J.txt')"`,
].join('\n');

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

describe('the CLI on a terminal and piped (a real pty, the local stack)', function () {
  this.timeout(180_000);
  const world = new World({
    token: TOKEN,
    repositories: { 'acme/evil': { 'README.md': 'hello\n' }, 'acme/broken': { 'README.md': 'hello\n', fail: '' } },
    github: { repositories: [{ fullName: 'acme/evil' }, { fullName: 'acme/broken' }] },
    stack: true,
  });
  let stack: StackProcess;
  let jobId: string;

  /** The CLI on a pseudo-terminal: stdout and stderr are terminals, as when a person types the command. */
  const onTerminal = async (...args: string[]): Promise<{ code: number; output: string }> => {
    const command = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
    const outcome = await exec('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CODY_BATCH_HOME: stack.home, TERM: 'xterm' },
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    // The pty turns each newline into CR LF (onlcr): that CR is the terminal's, not the content's.
    return { code: outcome.code, output: outcome.output.replace(/\r\n/g, '\n') };
  };
  const piped = (...args: string[]) =>
    exec(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CODY_BATCH_HOME: stack.home },
      encoding: 'buffer',
      maxBuffer: 16 * 1024 * 1024,
    });

  before(async () => {
    stack = (await world.start()).stack;
    const created = await stack.client.createJob({
      name: 'Write hostile text',
      command: COMMAND,
      repositories: ['acme/evil', 'acme/broken'],
    });
    jobId = (await waitForJob(stack.client, created.jobId)).jobId;
    const rows = await stack.client.allRepositories(jobId);
    assert.deepEqual(
      rows.map((row) => [row.repositoryName, row.status]),
      [
        ['acme/broken', 'FAILED'],
        ['acme/evil', 'COMPLETED'],
      ],
    );
  });
  after(() => world.dispose());

  it('`diff` on a terminal shows the escape sequences of a patch instead of obeying them', async () => {
    const { code, output } = await onTerminal('diff', jobId, 'acme/evil');
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, OBEYED, 'nothing a terminal obeys reaches it');
    assert.match(output, /title \\x1b\]0;pwned\\x07 clear \\x1b\[2J clipboard \\x1b\]52;c;cm0gLXJmIH4=\\x07/);
    assert.match(output, /c1 \\x9b31m\\x0dhidden \\u202e reversed/);
    assert.match(
      output,
      /^diff --git "a\/named\\033\[2J\.txt" "b\/named\\033\[2J\.txt"$/m,
      'git quotes the name itself',
    );
  });

  it('`diff --raw` on a terminal writes the patch as it is, when asked to', async () => {
    const { code, output } = await onTerminal('diff', jobId, 'acme/evil', '--raw');
    assert.equal(code, 0, output);
    assert.ok(output.includes('title \u001b]0;pwned\u0007 clear \u001b[2J'), output);
  });

  it('`diff` piped writes the stored patch byte for byte, so git applies exactly it', async () => {
    const stored = await new FolderArtifactStore(`${stack.home}/artifacts`).get(
      artifactKey(jobId, 'acme/evil', 'diff.patch'),
    );
    assert.ok(stored);
    assert.ok(stored.body.includes('\u001b]0;pwned\u0007'), 'the patch holds the raw sequences');
    for (const args of [[], ['--raw']]) {
      const { stdout } = await piped('diff', jobId, 'acme/evil', ...args);
      assert.ok(Buffer.compare(stdout, stored.body) === 0, `diff ${args.join(' ')} piped is the stored patch`);
    }
  });

  it('every other command that prints repository, command or host text shows it escaped on a terminal', async () => {
    const commands: string[][] = [
      ['jobs'],
      ['jobs', jobId],
      ['status', jobId],
      ['watch', jobId],
      ['watch', jobId, '--json'],
      ['jobs', jobId, '--json'],
      ['status', jobId, '--json'],
      ['changes', jobId],
      ['thread', jobId, 'acme/evil'],
      ['review', jobId, 'acme/evil', '--approve'],
      ['repos', '--owner', 'acme'],
      ['diff', jobId, 'acme/nothing'],
    ];
    for (const args of commands) {
      const { output } = await onTerminal(...args);
      // `watch` rewrites its own status line on a terminal (CR, erase line): that one is ours.
      const ours = args[0] === 'watch' ? output.replace(/\r\u001b\[2K/g, '') : output;
      assert.doesNotMatch(ours, OBEYED, `cody-batch ${args.join(' ')}:\n${JSON.stringify(output)}`);
    }
    const { output: failures } = await onTerminal('jobs', jobId);
    assert.match(failures, /acme\/broken\s+FAILED/);
    const { output: events } = await onTerminal('watch', jobId, '--json');
    assert.ok(
      events.includes(String.raw`boom \u001b]0;pwned-by-output\u0007\u001b[2J \u009b \u202e`),
      'the failing command’s output, as JSON escapes',
    );
  });
});
