// Conformance CLI: reads a cases file, prints one JSON array of answers on stdout (nothing else), exits 0.
// A case it cannot read or answer gets {"id": …, "error": "…"} in its place; a file it cannot read (missing,
// empty, not JSON, not an array) exits 2 with one line on stderr and nothing on stdout.
import { readFileSync } from 'node:fs';
import { answerCase, type ConformanceCase } from '../src/core/index';
import { caseIdOf, readCase } from '../src/store/schemas';

function fail(message: string): never {
  process.stderr.write(`conformance: ${message.replace(/\s+/g, ' ').trim()}\n`);
  process.exit(2);
}

const file = process.argv[2];
if (!file) fail('usage: npm run -s conformance -- <cases.json>');
let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  fail(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a folder, not a file` : `${file}: cannot be read (${code ?? String(error)})`);
}
if (text.trim() === '') fail(`${file}: the file is empty`);
let data: unknown;
try {
  data = JSON.parse(text);
} catch (error) {
  fail(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
}
if (!Array.isArray(data)) fail(`${file}: expected a JSON array of cases, found ${data === null ? 'null' : typeof data}`);

const answers = data.map((raw: unknown) => {
  const read = readCase(raw);
  if (!read.ok) return { id: caseIdOf(raw), error: read.error };
  try {
    return answerCase(read.value as unknown as ConformanceCase);
  } catch (error) {
    // One bad case must not hide the answers to the others.
    return { id: read.value.id, error: error instanceof Error ? error.message : String(error) };
  }
});
process.stdout.write(JSON.stringify(answers) + '\n');
