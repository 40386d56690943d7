/**
 * Typed errors with stable codes. Every DeepLens package extends `DeepLensError`, so callers can
 * branch on `error.code` without parsing messages.
 *
 * One taxonomy: `error.kind` says who can fix it.
 *   'user'     — the input, config, files, environment or resources (bad key, missing file, data of
 *                the wrong width, a backend that is not installed, out of memory). The CLI prints the
 *                message and hint and exits 1, without a stack.
 *   'internal' — a broken invariant inside DeepLens or a backend: a tensor of the wrong shape, dtype,
 *                backend or lifetime passed between ops, an index out of range, a worker that
 *                failed. For a library caller these are programming errors; in the CLI they are bugs
 *                (stack trace, "please report", exit 2). Every backend throws the same class for
 *                the same mistake (the conformance suite checks it).
 */
export type DeepLensErrorCode =
  | 'DEEPLENS_SHAPE_MISMATCH'
  | 'DEEPLENS_DTYPE_MISMATCH'
  | 'DEEPLENS_UNSUPPORTED_OP'
  | 'DEEPLENS_TENSOR_DISPOSED'
  | 'DEEPLENS_FOREIGN_TENSOR'
  | 'DEEPLENS_BACKEND_NOT_FOUND'
  | 'DEEPLENS_BACKEND_UNAVAILABLE'
  | 'DEEPLENS_INVALID_CONFIG'
  | 'DEEPLENS_INVALID_ARGUMENT'
  | 'DEEPLENS_MODEL_FILE'
  | 'DEEPLENS_FILE_FORMAT'
  | 'DEEPLENS_DATA_NOT_FOUND'
  | 'DEEPLENS_DATA_SHAPE'
  | 'DEEPLENS_DATA_NON_FINITE'
  | 'DEEPLENS_DATA_SPLIT'
  | 'DEEPLENS_OUTPUT_PATH'
  | 'DEEPLENS_OUT_OF_MEMORY'
  | 'DEEPLENS_INDEX_OUT_OF_RANGE'
  | 'DEEPLENS_BACKEND_FAILURE'
  | 'DEEPLENS_INTERNAL'
  | (string & {});

/** Who can fix an error: see the taxonomy above. */
export type DeepLensErrorKind = 'user' | 'internal';

export interface DeepLensErrorOptions {
  cause?: unknown;
  /** How to fix it, shown after the message. */
  hint?: string;
}

/** Marks every DeepLensError, so `instanceof DeepLensError` holds across copies of this package. */
const DEEPLENS_ERROR = Symbol.for('@deeplens/core/DeepLensError');

export class DeepLensError extends Error {
  /**
   * A plugin installed beside a bundled CLI brings its own copy of core: its errors are still
   * DeepLensErrors (kind, code, hint) to the CLI. Subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== DeepLensError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEEPLENS_ERROR] === true;
  }

  /** @internal The brand `instanceof DeepLensError` checks, so errors from another copy of core still match. */
  readonly [DEEPLENS_ERROR] = true;
  readonly code: DeepLensErrorCode;
  readonly hint: string | undefined;
  /** 'user' unless a subclass is a programming error / bug. */
  get kind(): DeepLensErrorKind {
    return 'user';
  }

  constructor(code: DeepLensErrorCode, message: string, options: DeepLensErrorOptions = {}) {
    super(options.hint ? `${message}\n  hint: ${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

export class ShapeMismatchError extends DeepLensError {
  override get kind(): DeepLensErrorKind {
    return 'internal';
  }

  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_SHAPE_MISMATCH', message, options);
  }
}

export class DTypeMismatchError extends DeepLensError {
  override get kind(): DeepLensErrorKind {
    return 'internal';
  }

  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_DTYPE_MISMATCH', message, options);
  }
}

/** A backend was asked for an op it does not implement. It never returns wrong numbers instead. */
export class UnsupportedOpError extends DeepLensError {
  readonly op: string;
  readonly backend: string;

  constructor(backend: string, op: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_UNSUPPORTED_OP', `backend '${backend}' does not support the op '${op}'`, options);
    this.op = op;
    this.backend = backend;
  }
}

export class TensorDisposedError extends DeepLensError {
  override get kind(): DeepLensErrorKind {
    return 'internal';
  }

  constructor(op: string) {
    super('DEEPLENS_TENSOR_DISPOSED', `'${op}' was given a tensor that was already disposed`, {
      hint: 'keep the tensor alive until its last use, or clone it before disposing the original',
    });
  }
}

export class ForeignTensorError extends DeepLensError {
  override get kind(): DeepLensErrorKind {
    return 'internal';
  }

  constructor(backend: string, op: string, other: string) {
    const whose = other === backend ? `another '${other}' backend instance` : `backend '${other}'`;
    super('DEEPLENS_FOREIGN_TENSOR', `'${op}' on backend '${backend}' was given a tensor of ${whose}`, {
      hint: 'read the tensor and upload it to this backend with backend.fromArray()',
    });
  }
}

export class BackendNotFoundError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_BACKEND_NOT_FOUND', message, options);
  }
}

export class BackendUnavailableError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_BACKEND_UNAVAILABLE', message, options);
  }
}

export class InvalidConfigError extends DeepLensError {
  /** Key path of the offending option, e.g. `k` or `optim.lr`. */
  readonly key: string;

  constructor(key: string, message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_INVALID_CONFIG', `${key}: ${message}`, options);
    this.key = key;
  }
}

export class InvalidArgumentError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_INVALID_ARGUMENT', message, options);
  }
}

/** A model file is missing a tensor, has one of the wrong shape, or has a bad config. */
export class ModelFileError extends DeepLensError {
  readonly file: string;
  readonly tensor: string | undefined;

  constructor(file: string, message: string, options: DeepLensErrorOptions & { tensor?: string } = {}) {
    super('DEEPLENS_MODEL_FILE', `${file}: ${message}`, options);
    this.file = file;
    this.tensor = options.tensor;
  }
}

/** A file is truncated, corrupt or not in the format its reader expects. */
export class FileFormatError extends DeepLensError {
  readonly file: string;

  constructor(file: string, message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_FILE_FORMAT', `${file}: ${message}`, options);
    this.file = file;
  }
}

/** An activation file or folder that does not exist or holds no supported file. */
export class DataFileNotFoundError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_DATA_NOT_FOUND', message, options);
  }
}

/** Activations that are not a 2-D [n_tokens, d] float matrix, or whose width does not fit. */
export class DataShapeError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_DATA_SHAPE', message, options);
  }
}

/** A row with NaN or ±Inf. */
export class NonFiniteDataError extends DeepLensError {
  readonly file: string;
  readonly row: number;

  constructor(file: string, row: number, options?: DeepLensErrorOptions) {
    super('DEEPLENS_DATA_NON_FINITE', `${file}: row ${row} contains NaN or Inf`, options);
    this.file = file;
    this.row = row;
  }
}

/** Empty datasets and splits that leave a part empty. */
export class DatasetSplitError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_DATA_SPLIT', message, options);
  }
}

/**
 * A file or folder cannot be written: read-only, not a folder, no permission, disk full. Names the
 * path, the operating system's reason and what to do.
 */
export class OutputPathError extends DeepLensError {
  readonly path: string;
  /** The operating system's error code (EACCES, EROFS, ENOSPC, ...), if any. */
  readonly osCode: string | undefined;

  constructor(path: string, message: string, options: DeepLensErrorOptions & { osCode?: string } = {}) {
    super('DEEPLENS_OUTPUT_PATH', `${path}: ${message}`, options);
    this.path = path;
    this.osCode = options.osCode;
  }
}

/** A model, optimiser or batch that cannot fit a backend's memory or the machine's. */
export class OutOfMemoryError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_OUT_OF_MEMORY', message, options);
  }
}

/** An index (e.g. a latent column) outside its dimension: a broken invariant, the same class on every backend. */
export class IndexOutOfRangeError extends DeepLensError {
  override get kind(): DeepLensErrorKind {
    return 'internal';
  }

  constructor(op: string, index: number, size: number, options?: DeepLensErrorOptions) {
    super('DEEPLENS_INDEX_OUT_OF_RANGE', `${op}: index ${index} is outside [0, ${size})`, options);
  }
}

/** A backend's own machinery failed (a worker thread, a GPU context): a bug to report, not a user mistake. */
export class BackendFailureError extends DeepLensError {
  override get kind(): DeepLensErrorKind {
    return 'internal';
  }

  constructor(backend: string, message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_BACKEND_FAILURE', `backend '${backend}': ${message}`, options);
  }
}

/** An invariant that should always hold did not: a bug in DeepLens TS. */
export class InternalError extends DeepLensError {
  override get kind(): DeepLensErrorKind {
    return 'internal';
  }

  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_INTERNAL', message, options);
  }
}
