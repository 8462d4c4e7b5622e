import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeCheckout, type TestCheckout } from '../../../../test/helpers/agent';
import { agentTools, agentToolSet, Checkout, runToolCall } from '.';

// The registry is the one list of tools: what the API is sent, what runs, what the log shows, and
// what docs/agent.md documents.

const AGENT_DOC = readFileSync(path.join(__dirname, '../../../../docs/agent.md'), 'utf8');

/** The tool names in the first column of docs/agent.md's tool table, in order. */
function documentedToolNames(): string[] {
  const start = AGENT_DOC.indexOf('## Claude agent loop');
  const end = AGENT_DOC.indexOf('\n## ', start + 1);
  assert.ok(start >= 0 && end > start, 'docs/agent.md has its "Claude agent loop" section');
  const section = AGENT_DOC.slice(start, end);
  const table = section.slice(section.indexOf('| tool |'));
  const rows = table.split('\n').slice(2);
  const names: string[] = [];
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const name = /^\| `([^`]+)`/.exec(row)?.[1];
    assert.ok(name, `a tool row of docs/agent.md names its tool in backticks: ${row}`);
    names.push(name);
  }
  return names;
}

describe('tool registry', () => {
  let repo: TestCheckout;
  before(async () => {
    repo = await makeCheckout({ 'a.txt': 'a\n' });
  });
  after(async () => repo.dispose());

  it("matches docs/agent.md's tool table, bash included", () => {
    assert.deepEqual(
      documentedToolNames(),
      agentToolSet({ allowCommands: true }).map((tool) => tool.name),
    );
    for (const tool of agentToolSet({ allowCommands: true })) {
      assert.equal(tool.definition.name, tool.name);
      // Built-in schemas name their type in the table: `bash` (`bash_20250124`).
      if ('type' in tool.definition && tool.definition.type !== 'custom') {
        assert.ok(AGENT_DOC.includes(`\`${tool.name}\` (\`${tool.definition.type}\`)`), `${tool.name}'s type is named`);
      }
    }
  });

  it('sends bash only when the job allows commands', () => {
    assert.ok(!agentTools().some((tool) => tool.name === 'bash'));
    assert.deepEqual(agentTools({ allowCommands: true }).at(-1), { type: 'bash_20250124', name: 'bash' });
  });

  it('names the tools of the job when asked for another, and refuses bash without a shell', async () => {
    const checkout = await Checkout.open(repo.checkout);
    const tools = agentToolSet({ allowCommands: true });
    assert.deepEqual(await runToolCall(tools, 'shell', {}, { checkout }), {
      content:
        'Error: there is no tool named "shell". Use str_replace_based_edit_tool, move_file, delete_file, list_files, search_files or bash.',
      isError: true,
    });
    assert.deepEqual(await runToolCall(tools, 'bash', { command: 'ls' }, { checkout }), {
      content: 'Error: this job does not allow commands.',
      isError: true,
    });
  });

  it("shows each call in the log by the tool's own words", () => {
    const shown = agentToolSet({ allowCommands: true }).map((tool) =>
      tool.show({ command: 'npm test', path: 'src/a.ts', source: 'a', destination: 'b', pattern: 'x', glob: '*.ts' }),
    );
    assert.deepEqual(shown, [
      'str_replace_based_edit_tool command="npm test" path="src/a.ts"',
      'move_file source="a" destination="b"',
      'delete_file path="src/a.ts"',
      'list_files path="src/a.ts" glob="*.ts"',
      'search_files pattern="x" path="src/a.ts" glob="*.ts"',
      'bash $ npm test',
    ]);
  });
});
