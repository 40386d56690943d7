import { createReadStream, existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { DataFileNotFoundError, FileFormatError } from '@deeplens/core';
import type { DocumentSource, ExtractDocument } from './document-source.js';

const TEXT_EXTENSIONS = ['.txt', '.jsonl'];

/**
 * Documents from text: a .txt file (each non-empty line one document), a .jsonl file (each line a
 * JSON object with a `text` string, or a JSON string), or a folder of such files (sorted by name,
 * read in turn). Lines are read as a stream, so a corpus larger than memory is fine.
 */
export async function textDocuments(path: string): Promise<DocumentSource> {
  if (!existsSync(path)) throw new DataFileNotFoundError(`text ${path} does not exist`, { hint: 'pass a .txt file (one document per line), a .jsonl file ({"text": ...} per line) or a folder of them' });
  const files = statSync(path).isDirectory()
    ? (await readdir(path)).filter((n) => TEXT_EXTENSIONS.includes(extname(n))).sort().map((n) => join(path, n))
    : [path];
  if (files.length === 0) throw new DataFileNotFoundError(`${path} holds no .txt or .jsonl files`);
  const sizes = files.map((f) => `${basename(f)}:${statSync(f).size}`).join(',');
  return {
    description: files.length === 1 ? `${path} (one document per line)` : `${path} (${files.length} files, one document per line)`,
    identity: { kind: 'text', files: sizes },
    async *documents(skip: number): AsyncIterable<ExtractDocument> {
      let index = 0;
      for (const file of files) {
        const jsonl = extname(file) === '.jsonl';
        const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
        let lineNo = 0;
        for await (const line of lines) {
          lineNo++;
          if (line.trim().length === 0) continue;
          if (index++ < skip) continue;
          yield { text: jsonl ? jsonlText(line, file, lineNo) : line };
        }
      }
    },
  };
}

function jsonlText(line: string, file: string, lineNo: number): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new FileFormatError(file, `line ${lineNo} is not JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof value === 'string') return value;
  const text = (value as { text?: unknown } | null)?.text;
  if (typeof text !== 'string') throw new FileFormatError(file, `line ${lineNo} has no "text" string`, { hint: 'each line must be {"text": "..."} or a JSON string' });
  return text;
}
