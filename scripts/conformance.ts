// Conformance CLI: reads a cases file, prints one JSON array of answers on stdout (nothing else), exits 0.
import { readFileSync } from 'node:fs';
import { answerCase, type ConformanceCase } from '../src/core/index';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npm run -s conformance -- <cases.json>\n');
  process.exit(2);
}
const cases = JSON.parse(readFileSync(file, 'utf8')) as ConformanceCase[];
const answers = cases.map((c) => {
  try {
    return answerCase(c);
  } catch (error) {
    // One bad case must not hide the answers to the others.
    return { id: c.id, error: error instanceof Error ? error.message : String(error) };
  }
});
process.stdout.write(JSON.stringify(answers) + '\n');
