// Where a test run's CPU goes, by kind of process. Loaded into every Node process of a run, it keeps
// {pid, ppid, argv, its CPU and its reaped children's} in $PROCESS_CPU_DIR/<pid>.json, written every
// 500 ms (a process killed with SIGKILL keeps its last figure) and at exit; run as a script, it sums
// them by kind (the mocha workers, the local stacks' two processes, the workers, the CLI, …) and
// gives each kind's non-Node children (git, shells, commands) by difference from its children's CPU.
//   PROCESS_CPU_DIR=/tmp/cpu NODE_OPTIONS="--require $PWD/.ci/processCpu.cjs" node .ci/test.mjs
//   node .ci/processCpu.cjs /tmp/cpu
// (runCli, test/helpers/world.ts, hands both variables on to the CLI it starts when they are set.)
const fs = require('node:fs');
const path = require('node:path');

function record(dir) {
  const file = path.join(dir, `${process.pid}.json`);
  const started = Date.now();
  const write = () => {
    try {
      // After the command's name: ppid is the 2nd field, utime, stime, cutime, cstime the 12th to 15th, in ticks.
      const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
      const [user, system, childUser, childSystem] = fields.slice(11, 15).map((ticks) => Number(ticks) / 100);
      const ppid = Number(fields[1]);
      const wall = (Date.now() - started) / 1000;
      fs.writeFileSync(
        file,
        JSON.stringify({
          pid: process.pid,
          ppid,
          argv: process.argv,
          cpu: user + system,
          children: childUser + childSystem,
          wall,
        }),
      );
    } catch {
      // Not Linux, or the folder is gone: nothing to record.
    }
  };
  fs.mkdirSync(dir, { recursive: true });
  setInterval(write, 500).unref();
  process.on('exit', write);
}

function kindOf({ argv }) {
  const [, script = '', command] = argv;
  if (script.includes('mocha/lib/nodejs/worker')) return 'mocha workers (the tests, in-process APIs and dynalite)';
  if (/mocha[/\\]/.test(script)) return 'mocha itself';
  if (/dist[/\\]cli(\.js|[/\\]main\.mjs)$/.test(script))
    return command === 'serve' || command === 'demo'
      ? 'local stack: the CLI serving (API, operations)'
      : 'CLI commands';
  if (/dist[/\\]dynamo\.js$/.test(script)) return 'local stack: its DynamoDB process (dynalite)';
  if (/dist[/\\]worker\.js$/.test(script)) return 'workers (one per shard)';
  return `other: ${path.basename(script)}`;
}

function summarize(dir) {
  const records = fs.readdirSync(dir).flatMap((name) => {
    try {
      return [JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))];
    } catch {
      return [];
    }
  });
  const sums = new Map();
  const add = (kind, cpu, processes) => {
    const sum = sums.get(kind) ?? { cpu: 0, processes: 0 };
    sums.set(kind, { cpu: sum.cpu + cpu, processes: sum.processes + processes });
  };
  for (const each of records) {
    const kind = kindOf(each);
    add(kind, each.cpu, 1);
    const nodeChildren = records
      .filter((child) => child.ppid === each.pid)
      .reduce((sum, child) => sum + child.cpu + child.children, 0);
    if (each.children - nodeChildren > 0.05)
      add(`  their other children (git, shells, commands): ${kind}`, each.children - nodeChildren, 0);
  }
  const total = [...sums.values()].reduce((sum, { cpu }) => sum + cpu, 0);
  for (const [kind, { cpu, processes }] of [...sums].sort((a, b) => b[1].cpu - a[1].cpu))
    console.log(
      `${cpu.toFixed(1).padStart(7)} s ${((100 * cpu) / total).toFixed(0).padStart(3)}%  ${processes ? `${String(processes).padStart(4)} × ${(cpu / processes).toFixed(2)} s` : ''.padStart(13)}  ${kind}`,
    );
  console.log(`${total.toFixed(1).padStart(7)} s in all, ${records.length} Node processes`);
}

if (require.main === module) summarize(process.argv[2] ?? process.env.PROCESS_CPU_DIR);
else if (process.env.PROCESS_CPU_DIR && require('node:worker_threads').isMainThread)
  record(process.env.PROCESS_CPU_DIR);
