// pnpm mutation: StrykerJS on core's maths and the trainer's schedules and metrics, one package
// after the other; prints the mutation score per package and file (killed + timed out, over every
// mutant that ran) from the JSON reports. Slow (about half an hour on 2 cores): not part of .ci/run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packages = process.argv.slice(2).length ? process.argv.slice(2) : ['core', 'trainer'];
const lines = [];
for (const pkg of packages) {
  const cwd = join(root, 'packages', pkg);
  const r = spawnSync(process.execPath, [join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run'], { cwd, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  const report = JSON.parse(readFileSync(join(cwd, 'reports', 'mutation', `${pkg}.json`), 'utf8'));
  let detected = 0;
  let valid = 0;
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const d = mutants.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
    const v = mutants.filter((m) => !['CompileError', 'RuntimeError', 'Ignored'].includes(m.status)).length;
    detected += d;
    valid += v;
    const survived = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
    lines.push(`${pkg}  ${file}: ${((100 * d) / v).toFixed(1)}% (${d}/${v})${survived.length ? `, ${survived.length} survived` : ''}`);
  }
  lines.push(`${pkg}: mutation score ${((100 * detected) / valid).toFixed(1)}% (${detected} of ${valid} mutants detected)`);
}
console.log(lines.join('\n'));
