// `npm run bench -- <name>`: runs bench/<name>.ts, which prints its figures.
export {};
const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/i.test(name)) {
  console.error('Usage: npm run bench -- <name>   (a file in bench/, e.g. overhead)');
  process.exit(2);
}
import(`./${name}`).then(
  async (module: { main?: (args: string[]) => Promise<void> }) => {
    await module.main?.(args);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
