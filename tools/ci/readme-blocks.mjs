// Write each fenced block that follows a `<!-- readme-check: NAME -->` line of a Markdown file to
// OUT/NAME, so CI runs the README's examples exactly as written.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [file, out] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
const blocks = [...text.matchAll(/<!-- readme-check: ([\w.-]+) -->\n```[^\n]*\n([\s\S]*?)\n```/g)];
if (blocks.length === 0) throw new Error(`${file}: no readme-check blocks`);
mkdirSync(out, { recursive: true });
for (const [, name, body] of blocks) writeFileSync(join(out, name), `${body}\n`);
console.log(blocks.map((b) => b[1]).join(' '));
