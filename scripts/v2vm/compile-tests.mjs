// compile-tests.mjs DIR: writes X.js beside each X.ts in DIR (the VM's copy
// of tests/integration), transpiled as ts-jest does with isolatedModules.
// Under emulation loading TypeScript alone takes minutes, so the VM's jest
// (tests/jest.v2.config.js) runs these files untransformed. The host's
// `make typecheck` checks the same sources.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const [dir] = process.argv.slice(2);
if (dir === undefined) {
  process.stderr.write('usage: compile-tests.mjs DIR\n');
  process.exit(2);
}
const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, isolatedModules: true, esModuleInterop: true };
for (const name of readdirSync(dir).filter((entry) => entry.endsWith('.ts') && !entry.endsWith('.d.ts'))) {
  const source = readFileSync(join(dir, name), 'utf8');
  const { outputText, diagnostics } = ts.transpileModule(source, { compilerOptions, fileName: name, reportDiagnostics: true });
  if (diagnostics?.length) {
    process.stderr.write(`compile-tests: ${name}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}\n`);
    process.exit(1);
  }
  writeFileSync(join(dir, name.replace(/\.ts$/, '.js')), outputText);
}
