#!/usr/bin/env node
// make bench's last step: the parts' JSON files (latency, network, detached, images)
// as one build/bench.json, and every part's targets and skipped peers as one
// table. A part that did not run is named as missing, not left out silently.
// Usage: node bench/report.mjs OUT PART.json...
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { formatTable } from './stats.mjs';

const [out, ...parts] = process.argv.slice(2);
const report = { date: new Date().toISOString(), parts: [], missing: [] };
for (const file of parts) {
  if (existsSync(file)) report.parts.push(JSON.parse(readFileSync(file, 'utf8')));
  else report.missing.push(file);
}
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

const targets = report.parts.flatMap((part) => part.targets.map((t) => [part.part, t.target, t.value, t.met ? 'yes' : 'MISSED']));
console.log(`\nAll targets\n${formatTable(['part', 'target', 'measured', 'met'], targets)}`);
for (const part of report.parts) for (const reason of part.skipped) console.log(`skipped (${part.part}): ${reason}`);
for (const file of report.missing) console.log(`missing: ${file} (that part did not run)`);
console.log(`\nwrote ${out}`);
