// Encodes the corpus with the exact tokenizer.json that ships (through transformers.js), so the model trains
// on the same ids a user's prompt becomes. Writes little-endian uint16 ids, documents separated by EOS.
import { readFileSync, writeFileSync } from 'node:fs';
import { PreTrainedTokenizer } from '@huggingface/transformers';

const [tokDir, ...files] = process.argv.slice(2);
const tokenizerJSON = JSON.parse(readFileSync(`${tokDir}/tokenizer.json`, 'utf8'));
const tokenizerConfig = JSON.parse(readFileSync(`${tokDir}/tokenizer_config.json`, 'utf8'));
const tokenizer = new PreTrainedTokenizer(tokenizerJSON, tokenizerConfig);
const [eos] = tokenizer.encode('<|endoftext|>', { add_special_tokens: false });

for (const file of files) {
  const docs = readFileSync(file, 'utf8').split('\n').filter((d) => d.length > 0);
  const ids: number[] = [];
  for (const doc of docs) {
    for (const id of tokenizer.encode(doc, { add_special_tokens: false })) ids.push(id);
    ids.push(eos);
  }
  writeFileSync(file.replace(/\.txt$/, '.ids'), Buffer.from(new Uint16Array(ids).buffer));
  console.log(`${file}: ${docs.length} documents, ${ids.length} tokens, ${(readFileSync(file).length / ids.length).toFixed(2)} bytes/token`);
}
