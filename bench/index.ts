import { readdir } from 'node:fs/promises';
import path from 'node:path';

// `npm run bench -- <name>` runs `bench/<name>.ts`: its exported `main()` (or default function), or
// whatever it does when imported. Benchmarks print figures; they assert nothing.

async function run(): Promise<void> {
  const name = process.argv[2];
  const available = (await readdir(__dirname))
    .filter((file) => file.endsWith('.ts') && file !== 'index.ts' && !file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
  if (!name || !available.includes(name)) {
    console.error(`usage: npm run bench -- <name>\nbenchmarks: ${available.join(', ') || '(none)'}`);
    process.exit(2);
  }
  const module = (await import(path.join(__dirname, `${name}.ts`))) as { main?: () => Promise<void>; default?: unknown };
  const entry = module.main ?? (typeof module.default === 'function' ? (module.default as () => Promise<void>) : undefined);
  if (entry) await entry();
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
