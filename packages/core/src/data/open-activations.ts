import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { InvalidArgumentError, DataFileNotFoundError } from '../errors.js';
import type { ActivationSource, OpenActivationsOptions } from './activation-source.js';
import { sniffActivationFormat, type ActivationFileFormat } from './activation-format.js';
import { ConcatSource } from './concat-source.js';
import { openFileReader } from './file-byte-reader.js';
import { parseActivationReader } from './open-activation-reader.js';

export const ACTIVATION_EXTENSIONS = ['.pt', '.pth', '.npy', '.safetensors'] as const;

const natural = new Intl.Collator(undefined, { numeric: true }).compare;

/**
 * Open activations from a file, a folder of shards, a glob (`acts/layer3_*.npy`) or a list of
 * those. The format comes from the file's first bytes, so extensions may lie. Several files are
 * read as one dataset in natural name order and must share the width.
 */
export async function openActivations(spec: string | readonly string[], options: OpenActivationsOptions = {}): Promise<ActivationSource> {
  const files: string[] = [];
  for (const s of typeof spec === 'string' ? [spec] : spec) files.push(...(await expand(s)));
  const sources: ActivationSource[] = [];
  try {
    const formats: ActivationFileFormat[] = [];
    for (const f of files) {
      const format = await sniffActivationFile(f);
      formats.push(format);
      sources.push(await openByFormat(f, format, options));
    }
    // A key selects a tensor in .pt dicts and .safetensors files; when no file has tensors to select from, it is a mistake.
    if (options.key !== undefined && formats.every((f) => f === 'npy')) {
      throw new InvalidArgumentError(`${files.length === 1 ? files[0] : `${files.length} .npy files`}: a .npy file holds one array, so key '${options.key}' cannot select a tensor in it`, {
        hint: 'leave out data.key (--key); it names a tensor inside a .pt dict or a .safetensors file',
      });
    }
    return sources.length === 1 ? sources[0]! : new ConcatSource(sources);
  } catch (error) {
    await Promise.all(sources.map((s) => s.close()));
    throw error;
  }
}

/** Which reader a file needs, from its first bytes (extensions may lie). */
export async function sniffActivationFile(file: string): Promise<ActivationFileFormat> {
  const reader = await openFileReader(file);
  try {
    return sniffActivationFormat(file, await reader.read(0, Math.min(8, reader.size)), reader.size);
  } finally {
    await reader.close();
  }
}

/** Open one activation file, detecting .npy, .pt (zip) or safetensors from its content. */
export async function openActivationFile(file: string, options: OpenActivationsOptions = {}): Promise<ActivationSource> {
  return openByFormat(file, await sniffActivationFile(file), options);
}

async function openByFormat(file: string, format: ActivationFileFormat, options: OpenActivationsOptions): Promise<ActivationSource> {
  return parseActivationReader(await openFileReader(file), format, options);
}

async function expand(spec: string): Promise<string[]> {
  if (isDynamicPattern(spec)) {
    const matches = (await glob(spec, { absolute: true, onlyFiles: true })).sort(natural);
    if (matches.length === 0) throw new DataFileNotFoundError(`no activation file matches ${spec}`);
    return matches;
  }
  const info = await stat(spec).catch((error: NodeJS.ErrnoException) => {
    throw new DataFileNotFoundError(`activation file ${spec} does not exist`, {
      cause: error,
      hint: `paths are resolved from ${process.cwd()}; give a .pt/.npy/.safetensors file, a folder of them, or a glob`,
    });
  });
  if (!info.isDirectory()) return [spec];
  const names = (await readdir(spec)).filter((n) => (ACTIVATION_EXTENSIONS as readonly string[]).includes(extname(n))).sort(natural);
  if (names.length === 0) {
    throw new DataFileNotFoundError(`folder ${resolve(spec)} holds no activation files`, { hint: `expected files ending in ${ACTIVATION_EXTENSIONS.join(', ')}` });
  }
  return names.map((n) => join(spec, n));
}
