import { rm } from 'node:fs/promises';
import path from 'node:path';
import { artifactKey, ENV } from '../common/names';
import { bearerAuth, CodyBatchClient } from '../common/client';
import type { CreateJobInput } from '../common/schemas';
import { createBareRepository, fileGitBase, type FixtureFiles } from '../backend/local/gitFixtures';
import { homePaths, resolveHome, runningStack } from '../backend/local/home';
import { isClaudeConfigured, stackEnvironment } from '../backend/local/workers';
import { printTable } from './connect';
import { printSandboxNotice } from './sandboxNotice';
import { waitForShutdownSignal } from './shutdown';
import { watchJob } from './watch';
import { startCliStack } from './serve';
import { webAppLink } from '../backend/local/webApp';
import { say, sayError } from './terminal';

// `cody-batch demo [--keep]`: three sample repositories, the local stack pointed at them, one job
// run to the end with its progress shown, and a summary. Offline unless Claude is configured.

const SAMPLES: Record<string, FixtureFiles> = {
  'acme/billing': {
    'package.json': packageJson('@acme/billing'),
    'README.md': '# Billing\n\nInvoices and taxes. Uses `oldFunction` from `@acme/api`.\n',
    'src/invoice.js':
      `const { oldFunction } = require('@acme/api');\n\nfunction invoiceTotal(lines) {\n  ` +
      `const sum = lines.reduce((total, line) => total + line.amount, 0);\n  return ` +
      `oldFunction(sum);\n}\n\nmodule.exports = { invoiceTotal };\n`,
    'src/tax.js': `const { oldFunction } = require('@acme/api');\n\nexports.withTax = (amount) => oldFunction(amount * 1.2);\n`,
  },
  'acme/inventory': {
    'package.json': packageJson('@acme/inventory'),
    'README.md': '# Inventory\n\nStock levels per warehouse.\n',
    'src/stock.js': `const { oldFunction } = require('@acme/api');\n\nexports.available = (item) => oldFunction(item.onHand - item.reserved);\n`,
  },
  'acme/storefront': {
    'package.json': packageJson('@acme/storefront'),
    'README.md': '# Storefront\n\nThe shop front end.\n',
    'src/cart.js': `const { oldFunction } = require('@acme/api');\n\nexports.cartTotal = (cart) => oldFunction(cart.items.length);\n`,
    'src/checkout.js': `const { oldFunction } = require('@acme/api');\n\nexports.pay = (cart) => oldFunction(cart.total);\n`,
    'src/search.js': `exports.search = (query) => query.trim().toLowerCase();\n`,
  },
};

const PROMPT =
  'Replace every call oldFunction(x) with newFunction(x, { version: 2 }), and import newFunction instead of oldFunction.';
// Portable sed (GNU and BSD): `-i.bak` then remove the backup.
const COMMAND =
  `grep -rl --include='*.js' oldFunction . | while read -r file; do sed -i.bak -E -e ` +
  `'s/oldFunction\\(([^()]*)\\)/newFunction(\\1, { version: 2 })/g' -e 's/\\{ oldFunction ` +
  `\\}/{ newFunction }/g' "$file" && rm "$file.bak"; done`;
const VERIFY = `! grep -rn --include='*.js' oldFunction .`;

function packageJson(name: string): string {
  return `${JSON.stringify({ name, version: '1.0.0', private: true, dependencies: { '@acme/api': '^3.0.0' } }, null, 2)}\n`;
}

export async function demo(version: string, args: string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--keep');
  if (unknown.length) {
    sayError(`cody-batch demo: unknown option ${unknown.join(' ')} (usage: cody-batch demo [--keep])`);
    return 2;
  }
  const keep = args.includes('--keep');
  const env = stackEnvironment((line) => sayError(line));
  const paths = homePaths(resolveHome(env));
  const running = await runningStack(paths.stack);
  if (running) {
    sayError(
      `A Cody Batch stack is already running for ${paths.home} (pid ${running.pid}, ${running.apiUrl}). Stop it first, or set ${ENV.home} to another folder.`,
    );
    return 1;
  }

  const started = Date.now();
  say(`Cody Batch ${version} demo\n`);
  const names = Object.keys(SAMPLES);
  for (const name of names) {
    await rm(path.join(paths.demo, `${name}.git`), { recursive: true, force: true });
    await createBareRepository(paths.demo, name, SAMPLES[name]!);
  }
  say(`Sample repositories  ${paths.demo}  (${names.join(', ')})`);

  // The API resolves repository queries where the workers clone: the sample repositories.
  const demoEnv = { ...env, [ENV.gitBase]: fileGitBase(paths.demo) };
  const stack = await startCliStack(demoEnv, version, (line) => sayError(`  ${line}`));
  if (!stack) return 1;
  let exitCode = 1;
  try {
    say(`Local stack          ${stack.apiUrl}  (token in ${stack.tokenPath})`);
    printSandboxNotice(stack.sandbox, 'Sandbox              ');
    const client = new CodyBatchClient({ baseUrl: stack.apiUrl, auth: bearerAuth(stack.token) });
    const claude = await isClaudeConfigured(env);
    const request: CreateJobInput = {
      name: 'Replace oldFunction with newFunction',
      description:
        'Sample job from `cody-batch demo`: moves every call of the deprecated oldFunction(x) to newFunction(x, { version: 2 }).',
      type: 'code-pattern-update',
      ...(claude ? { prompt: PROMPT } : { command: COMMAND }),
      verifyCommand: VERIFY,
      repositories: names,
    };
    const job = await client.createJob(request);
    say(
      `Job                  ${job.jobId}  (${claude ? `Claude, ${job.model}` : 'a sed command; set ANTHROPIC_API_KEY to let Claude do it'})\n`,
    );
    // The same progress as `cody-batch watch`; Ctrl-C stops watching, and the stack with it.
    exitCode = await watchJob(client, job.jobId, { intervalMs: 200 });
    const changed = (await client.allRepositories(job.jobId)).filter((row) => row.status === 'COMPLETED');
    if (changed.length) {
      say('\nDiffs');
      printTable(
        changed.map((row) => [
          row.repositoryName,
          stack.artifacts.pathOf(artifactKey(job.jobId, row.repositoryName, 'diff.patch')),
        ]),
        '  ',
      );
    }
    say(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    if (keep && exitCode !== 130) {
      say(
        `\nThe stack keeps serving for the extension: run "Cody Batch: Connect to Local Stack" ` +
          `in VS ` +
          `Code.${stack.webUrl ? `\nIn a browser: ${webAppLink(stack.apiUrl, stack.token)}` : ''}\nPress ` +
          `Ctrl+C to stop.`,
      );
      await waitForShutdownSignal();
    } else if (!keep) {
      say('The stack stops now; `cody-batch demo --keep` keeps it serving for those commands and the extension.');
    }
  } finally {
    await stack.stop();
  }
  return exitCode;
}
