import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Where the bucket is; everything left out comes from the standard AWS environment and profile chain. */
export interface S3ConnectionOptions {
  /** e.g. http://127.0.0.1:9000 for MinIO; default AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. */
  endpoint?: string;
  /** Default AWS_REGION / the profile's region, else us-east-1. */
  region?: string;
  /** Address buckets as endpoint/bucket rather than bucket.endpoint (MinIO and most S3-compatible servers). Default DEEPLENS_S3_PATH_STYLE=1, or true when an endpoint is set. */
  forcePathStyle?: boolean;
}

/**
 * An S3 client for AWS S3, MinIO, R2 or GCS's S3 interoperability. Credentials come from the SDK's
 * default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, instance roles).
 */
export function createS3Client(options: S3ConnectionOptions = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = options.endpoint ?? env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'];
  const pathStyleEnv = env['DEEPLENS_S3_PATH_STYLE'];
  const forcePathStyle = options.forcePathStyle ?? (pathStyleEnv !== undefined ? pathStyleEnv === '1' || pathStyleEnv === 'true' : endpoint !== undefined);
  const config: S3ClientConfig = { forcePathStyle, followRegionRedirects: true };
  if (endpoint) config.endpoint = endpoint;
  const region = options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  // With a profile the SDK finds the region itself; with nothing at all it would refuse to start (S3-compatible servers ignore the region).
  if (region) config.region = region;
  else if (!env['AWS_PROFILE'] && !env['AWS_CONFIG_FILE']) config.region = 'us-east-1';
  return new S3Client(config);
}
