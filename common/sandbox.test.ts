import assert from 'node:assert/strict';
import {
  describeSandbox,
  hostPatternProblem,
  JobSandbox,
  runsCommands,
  sandboxModeFrom,
  sandboxNotice,
  sandboxRefusal,
} from './sandbox';
import { createJobRequestSchema } from './schemas';

describe('common/sandbox: hosts, modes and refusals', () => {
  it('takes host names, wildcards over a domain, addresses and ports, and refuses anything else with why', () => {
    for (const host of [
      'registry.npmjs.org',
      'registry.npmjs.org:443',
      '*.example.com',
      'localhost',
      '10.0.0.5:8080',
      '127.0.0.1',
      '[::1]:4873',
      'a-b.c0.example',
    ]) {
      assert.equal(hostPatternProblem(host), undefined, host);
    }
    const refused: [string, RegExp][] = [
      ['https://example.com', /is not a host/],
      ['example.com/path', /is not a host/],
      ['user@example.com', /is not a host/],
      ['exa mple.com', /is not a host/],
      ['*.com', /not a whole top-level domain/],
      ['*', /is not a host/],
      ['example.com:0', /port must be 1 to 65535/],
      ['example.com:70000', /port must be 1 to 65535/],
      ['example.com:080', /port must be 1 to 65535/],
      ['-example.com', /is not a host/],
      ['', /1 to 260 characters/],
    ];
    for (const [host, why] of refused) assert.match(hostPatternProblem(host) ?? '', why, host);
  });

  it('lower-cases and trims what a job allows, and refuses more than 50 hosts', () => {
    assert.deepEqual(JobSandbox.parse({ allowHosts: [' Registry.Example.COM '] }), {
      allowHosts: ['registry.example.com'],
    });
    assert.deepEqual(JobSandbox.parse({}), { allowHosts: [] });
    const many = Array.from({ length: 51 }, (_, i) => `h${i}.example.com`);
    assert.equal(JobSandbox.safeParse({ allowHosts: many }).success, false);
    assert.equal(JobSandbox.safeParse({ allowHosts: [], other: 1 }).success, false);
  });

  it('accepts allowHosts only on a job that runs a command', () => {
    const schema = createJobRequestSchema();
    const base = { name: 'x', repositories: ['acme/a'] };
    const sandbox = { allowHosts: ['registry.example.com'] };
    assert.equal(schema.safeParse({ ...base, command: 'true', sandbox }).success, true);
    assert.equal(schema.safeParse({ ...base, prompt: 'p', verifyCommand: 'npm test', sandbox }).success, true);
    const refused = schema.safeParse({ ...base, prompt: 'p', sandbox });
    assert.equal(refused.success, false);
    assert.match(JSON.stringify(refused.error?.issues), /applies to jobs that run commands/);
  });

  it('refuses, where the sandbox is unavailable, Claude’s commands in auto and every command in require', () => {
    const unavailable = (mode: 'auto' | 'require') => ({
      mode,
      state: 'unavailable' as const,
      install: 'sudo apt-get install -y bubblewrap socat ripgrep',
    });
    assert.match(
      sandboxRefusal(unavailable('auto'), { prompt: 'p', allowCommands: true } as never)!,
      /allowCommands.*sudo apt-get install -y bubblewrap/,
    );
    assert.equal(sandboxRefusal(unavailable('auto'), { command: 'true', setupCommand: 'npm ci' }), undefined);
    assert.match(sandboxRefusal(unavailable('require'), { verifyCommand: 'npm test' })!, /CODY_BATCH_SANDBOX=require/);
    assert.equal(sandboxRefusal(unavailable('require'), {}), undefined, 'a prompt alone runs no command');
    for (const state of ['on', 'off', 'container'] as const) {
      assert.equal(sandboxRefusal({ mode: 'require', state }, { allowCommands: true }), undefined, state);
    }
    assert.equal(runsCommands({}), false);
  });

  it('reads CODY_BATCH_SANDBOX (auto by default) and refuses a value it does not know', () => {
    assert.equal(sandboxModeFrom({}), 'auto');
    assert.equal(sandboxModeFrom({ CODY_BATCH_SANDBOX: ' Require ' }), 'require');
    assert.throws(() => sandboxModeFrom({ CODY_BATCH_SANDBOX: 'yes' }), /must be one of auto, require, off, not "yes"/);
  });

  it('says what holds: a line when on, a warning with the install line when not', () => {
    const on = describeSandbox('auto', { available: true });
    assert.deepEqual(sandboxNotice(on).warning, false);
    const missing = describeSandbox('auto', {
      available: false,
      reason: 'bubblewrap (bwrap) not installed',
      install: 'brew install ripgrep',
    });
    assert.equal(missing.state, 'unavailable');
    assert.match(
      sandboxNotice(missing).text,
      /^WARNING: The command sandbox is unavailable here \(bubblewrap \(bwrap\) not installed\)[\s\S]*Install it with: {2}brew install ripgrep/,
    );
    assert.equal(describeSandbox('off', { available: true }).state, 'off', 'off is off, whatever the machine has');
  });
});
