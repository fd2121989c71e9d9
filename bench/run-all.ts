// `npm run bench`: every benchmark, one after the other (each on its own, so
// none measures while another loads the machine), then one report of all
// their figures beside the reference figures of ../shared/BASELINE.md:
// bench/results/report.md and bench/results/report.json.
//   node dist/bench/run-all.js [--quick | --report-only]
//   (--quick: smaller counts, for trying it out; --report-only: the report
//   from the figures saved last, e.g. after running one benchmark again)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine, writeJsonFile } from './lib/report.js';
import { composeReport, type Results } from './lib/compose-report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');
const quick = process.argv.includes('--quick');
/** Only compose the report from the figures the benchmarks saved last. */
const reportOnly = process.argv.includes('--report-only');

const BENCHES: { script: string; args: string[]; quickArgs: string[] }[] = [
  { script: 'api-bench.js', args: [], quickArgs: [] },
  { script: 'failover-bench.js', args: ['--runs', '5', '--routers', '0'], quickArgs: ['--runs', '2', '--routers', '0'] },
  { script: 'dhcp-bench.js', args: ['--ports', '200', '--leases', '30'], quickArgs: ['--ports', '30', '--leases', '5'] },
  { script: 'scale-bench.js', args: ['--routers', '100,250,500', '--restart', '100,250'], quickArgs: ['--routers', '50', '--restart', '50'] },
];

const readJson = (name: string) => JSON.parse(readFileSync(join(RESULTS, name), 'utf8'));

function main(): void {
  const started = new Date();
  for (const b of reportOnly ? [] : BENCHES) {
    console.log(`\n=== ${b.script} ${(quick ? b.quickArgs : b.args).join(' ')}`);
    execFileSync(process.execPath, [join(HERE, b.script), ...(quick ? b.quickArgs : b.args)], { cwd: ROOT, stdio: 'inherit' });
  }
  const results: Results = {
    machine: machineLine(started),
    api: readJson('api.json'),
    failover: readJson('failover.json'),
    dhcp: readJson('dhcp.json'),
    scale: readJson('scale.json'),
  };
  const { json, markdown } = composeReport(results, { minutes: reportOnly ? undefined : Math.round((Date.now() - started.getTime()) / 60_000) });
  writeJsonFile(join(RESULTS, 'report.json'), json);
  writeFileSync(join(RESULTS, 'report.md'), markdown);
  console.log(`\n${markdown}\nWritten: bench/results/report.md, bench/results/report.json`);
}

main();
