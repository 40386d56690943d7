import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtractManifest } from '@deeplens/extract/node';
import { freshDir, openRunStore } from '../remote/run-store.js';

/** Extraction into a bucket: shards are written to a local staging folder, copied up as each one completes, and removed locally. */
export interface RemoteExtractOutput {
  local: string;
  onFlush(written: { shard: string | null; manifest: ExtractManifest }): Promise<void>;
  /** Remove the staging folder. */
  finish(): Promise<void>;
}

/**
 * Stage an extraction whose --out is s3://…: the manifest already in the bucket (if any) is copied
 * down so the run resumes where it stopped; each finished shard is uploaded (multipart; it appears
 * only when complete) before the manifest that lists it, so the bucket's manifest never names a
 * shard that is not there. Local disk holds at most one shard.
 */
export async function remoteExtractOutput(out: string): Promise<RemoteExtractOutput> {
  const store = await openRunStore(out);
  const staging = join(tmpdir(), `deeplens-staging-${process.pid}`);
  const local = join(staging, 'extract');
  await freshDir(local);
  await store.getFile('manifest.json', join(local, 'manifest.json'));
  return {
    local,
    async onFlush({ shard }) {
      if (shard) {
        await store.putFile(shard, join(local, shard));
        await rm(join(local, shard), { force: true });
      }
      await store.putFile('manifest.json', join(local, 'manifest.json'));
    },
    finish: () => rm(staging, { recursive: true, force: true }),
  };
}
