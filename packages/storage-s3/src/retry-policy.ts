/** How often and how patiently a request is retried: exponential backoff with full jitter (as AWS recommends). */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** Delay bound before the second try, in milliseconds; it doubles with each further try. */
  baseDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 10_000 };

/**
 * The wait before try number `attempt + 1` (attempt ≥ 1 tries have failed): a uniform draw from
 * [0, min(maxDelay, base · 2^(attempt−1))). `random` is a number in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random * bound);
}

/** Whether an error from the S3 client or a response body is worth another try. */
export function isRetryableS3Error(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown } | undefined;
  if (!e || typeof e !== 'object') return false;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  if (e.$retryable) return true;
  const code = e.code ?? '';
  if (['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET'].includes(code)) return true;
  const name = e.name ?? '';
  return ['TimeoutError', 'RequestTimeout', 'SlowDown', 'Throttling', 'ThrottlingException', 'ServiceUnavailable', 'InternalError', 'AbortError', 'BodyTruncated'].includes(name)
    || /socket hang up|aborted|premature close|ECONNRESET/i.test(String((error as Error).message));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
