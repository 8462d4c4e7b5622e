import { main } from '/work/wt/perf-paint/bench/clickToPaint';
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
