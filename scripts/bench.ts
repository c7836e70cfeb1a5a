// `npm run bench [-- --json] [-- --only pipeline|browser|playground|text|compare|beam|soak|sweep|opening_floor]`: runs the benchmark sections and prints their rows.
import { printRows, type BenchRow } from './bench/format';
import { runPipelineBench } from './bench/pipeline';
import { runBrowserBench } from './bench/browser';
import { runPlaygroundBench } from './bench/playground';
import { runTextDecodeBench } from './bench/textDecode';
import { runCompareBench } from './bench/compare';
import { runSoakBench } from './bench/soak';
import { runBeamBench } from './bench/beam';
import { runSweepBench } from './bench/sweep';
import { runOpeningFloorBench } from './bench/openingFloor';

const SECTIONS: Record<string, () => Promise<BenchRow[]>> = {
  pipeline: runPipelineBench,
  browser: runBrowserBench,
  playground: runPlaygroundBench,
  text: runTextDecodeBench,
  compare: runCompareBench,
  soak: runSoakBench,
  beam: runBeamBench,
  sweep: runSweepBench,
  opening_floor: runOpeningFloorBench,
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
if (only && !SECTIONS[only]) {
  process.stderr.write(`unknown section ${only}; sections: ${Object.keys(SECTIONS).join(', ')}\n`);
  process.exit(2);
}
for (const [name, run] of Object.entries(SECTIONS)) {
  if (only && name !== only) continue;
  const rows = await run();
  if (!json) process.stdout.write(`\n== ${name} ==\n`);
  printRows(rows, json);
}
