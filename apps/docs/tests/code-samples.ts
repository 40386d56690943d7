import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The TypeScript samples of the guide pages. A ```ts fence is type-checked against the packages'
 * real types; ```ts run is also run (a sample that imports vitest runs as a test file); ```ts excerpt
 * (a piece of an interface, shown for reading) is neither.
 */
export interface CodeSample {
  /** `page.md:line` of the fence. */
  where: string;
  /** A file name for it: page-L<line>[.test].ts */
  file: string;
  code: string;
  run: boolean;
  excerpt: boolean;
  isTest: boolean;
}

export function codeSamples(pagesDir: string): CodeSample[] {
  const samples: CodeSample[] = [];
  for (const page of readdirSync(pagesDir).filter((f) => f.endsWith('.md')).sort()) {
    const md = readFileSync(join(pagesDir, page), 'utf8');
    for (const m of md.matchAll(/^```(?:ts|typescript)([^\n]*)\n([\s\S]*?)^```$/gm)) {
      const line = md.slice(0, m.index).split('\n').length;
      const flags = m[1]!.trim().split(/\s+/);
      // describeBackendConformance declares vitest tests, so a sample that calls it is a test file too.
      const isTest = /from '(vitest|@deeplens\/core\/testing)'/.test(m[2]!);
      samples.push({
        where: `${page}:${line}`, file: `${page.replace(/\.md$/, '')}-L${line}${isTest ? '.test' : ''}.ts`, code: m[2]!,
        run: flags.includes('run'), excerpt: flags.includes('excerpt'), isTest,
      });
    }
  }
  return samples;
}
