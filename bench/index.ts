// `npm run bench -- <name>`: runs bench/<name>.ts. Benchmarks print figures; they assert nothing.
import { readdirSync } from 'node:fs';
import path from 'node:path';

// The AWS SDK's Node 20 notice is known (Lambda and the worker image run Node 24); keep figures clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const available = readdirSync(__dirname)
  .filter((file) => file.endsWith('.ts') && file !== 'index.ts' && !file.includes('.test.'))
  .map((file) => path.basename(file, '.ts'));
const name = process.argv[2];

if (!name || !available.includes(name)) {
  console.error(`Usage: npm run bench -- <${available.join('|')}>`);
  process.exit(name ? 2 : 0);
}
// A benchmark runs when loaded, or exports main(args).
const loaded = require(`./${name}`) as { main?: (args: string[]) => Promise<void> };
loaded.main?.(process.argv.slice(3)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
