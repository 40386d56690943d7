import { ConcatSource, type ActivationSource, type OpenActivationsOptions } from '@deeplens/core';
import { ActivationsDatasetBuilder, openActivations } from '@deeplens/core/node';

const isS3 = (spec: string) => spec.startsWith('s3://');

/**
 * Activations from local files, folders and globs or from s3:// objects and prefixes, in the order
 * given. The S3 reader (and the AWS SDK) is loaded only when a spec names a bucket.
 */
export async function openAnyActivations(paths: string | readonly string[], options: OpenActivationsOptions): Promise<ActivationSource> {
  const specs = typeof paths === 'string' ? [paths] : [...paths];
  if (!specs.some(isS3)) return openActivations(specs, options);
  const { openS3Activations } = await import('@deeplens/storage-s3');
  const sources: ActivationSource[] = [];
  try {
    for (const spec of specs) sources.push(isS3(spec) ? await openS3Activations(spec, options) : await openActivations(spec, options));
  } catch (error) {
    await Promise.all(sources.map((s) => s.close()));
    throw error;
  }
  return sources.length === 1 ? sources[0]! : new ConcatSource(sources);
}

/** The Node dataset builder, reading s3:// specs through @deeplens/storage-s3. */
export class AnyActivationsDatasetBuilder extends ActivationsDatasetBuilder {
  protected override openFiles(paths: string | readonly string[], options: OpenActivationsOptions): Promise<ActivationSource> {
    return openAnyActivations(paths, options);
  }
}
