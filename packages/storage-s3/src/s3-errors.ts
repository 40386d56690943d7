import { DeepLensError, type DeepLensErrorOptions } from '@deeplens/core';

/** An object was replaced while a run was reading it (its ETag changed): rows of two versions must not be mixed. */
export class ShardChangedError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_SHARD_CHANGED', message, options);
  }
}

/** The bucket refused a request (credentials, permissions, a missing bucket) or kept failing after every retry. */
export class S3RequestError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_S3_REQUEST', message, options);
  }
}
