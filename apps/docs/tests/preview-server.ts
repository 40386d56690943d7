import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DOCS_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/lib/chromium/chromium';

/** Serve the built site with `vitepress preview` (what `pnpm docs:preview` runs) on a free port. */
export async function startPreview(): Promise<{ url: string; close(): void }> {
  if (!existsSync(`${DOCS_ROOT}dist/index.html`)) throw new Error('the site is not built: run pnpm docs:build first');
  const bin = `${DOCS_ROOT}node_modules/vitepress/bin/vitepress.js`;
  const port = 41000 + (process.pid % 2000);
  const child: ChildProcess = spawn(process.execPath, [bin, 'preview', '--port', String(port)], { cwd: DOCS_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`vitepress preview did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
       
      const m = /(?:Local:|served at)\s+(http:\/\/\S+)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace(/\/$/, ''));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`vitepress preview exited with ${code}:\n${out}`)));
  });
  return { url, close: () => void child.kill() };
}
