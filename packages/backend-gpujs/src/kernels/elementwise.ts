import type { Dialect, KernelSpec } from '../kernel-runner.js';

/** How an operand of a [rows, cols] elementwise op is read: its own element, one value, a row vector, a column. */
export type Broadcast = 'full' | 'scalar' | 'row' | 'col';

export interface Operand {
  name: string;
  mode: Broadcast;
}

/** The operand's value at the output element (r, c) (`r` and `c` declared by the body). */
export function readOperand(d: Dialect, op: Operand, cols: number): string {
  switch (op.mode) {
    case 'full':
      return d.at(op.name, 'r', 'c', cols);
    case 'scalar':
      return d.at(op.name, '0', '0', 1);
    case 'row':
      return d.at(op.name, '0', 'c', cols);
    case 'col':
      return d.at(op.name, 'r', '0', 1);
  }
}

/** `const r = …; const c = …;` for an output with `cols` columns. */
export function position(d: Dialect, cols: number): string {
  return `const r = ${d.row(cols)};\nconst c = ${d.col(cols)};`;
}

/** NaN passes through maximum/minimum, as in torch (a GLSL max() may drop it). */
export const BINARY_EXPRESSIONS = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  maximum: '(x != x) ? x : ((y != y) ? y : Math.max(x, y))',
  minimum: '(x != x) ? x : ((y != y) ? y : Math.min(x, y))',
  greater: '(x > y) ? 1.0 : 0.0',
  equal: '(x == y) ? 1.0 : 0.0',
} as const;

export type BinaryOp = keyof typeof BINARY_EXPRESSIONS;

/** Unary maps of x; `s` is the op's scalar argument where it has one. sign keeps 0 and NaN as they are. */
export const UNARY_EXPRESSIONS = {
  abs: 'Math.abs(x)',
  neg: '-x',
  sqrt: 'Math.sqrt(x)',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  sigmoid: '1.0 / (1.0 + Math.exp(-x))',
  sign: '(x > 0.0) ? 1.0 : ((x < 0.0) ? -1.0 : x)',
  relu: '(x > 0.0) ? x : ((x <= 0.0) ? 0.0 : x)',
  silu: 'x / (1.0 + Math.exp(-x))',
  scale: 'x * s',
  addScalar: 'x + s',
} as const;

export type UnaryOp = keyof typeof UNARY_EXPRESSIONS;

export function binaryKernel(d: Dialect, op: BinaryOp, a: Broadcast, b: Broadcast, rows: number, cols: number): KernelSpec {
  return {
    params: ['a', 'b'],
    rows,
    cols,
    body: `${position(d, cols)}
const x = ${readOperand(d, { name: 'a', mode: a }, cols)};
const y = ${readOperand(d, { name: 'b', mode: b }, cols)};
return ${BINARY_EXPRESSIONS[op]};`,
  };
}

export function whereKernel(d: Dialect, modes: readonly [Broadcast, Broadcast, Broadcast], rows: number, cols: number): KernelSpec {
  const [mc, ma, mb] = modes;
  return {
    params: ['k', 'a', 'b'],
    rows,
    cols,
    body: `${position(d, cols)}
const q = ${readOperand(d, { name: 'k', mode: mc }, cols)};
if (q != 0.0) {
  return ${readOperand(d, { name: 'a', mode: ma }, cols)};
}
return ${readOperand(d, { name: 'b', mode: mb }, cols)};`,
  };
}

export function unaryKernel(d: Dialect, op: UnaryOp, rows: number, cols: number): KernelSpec {
  const scalar = op === 'scale' || op === 'addScalar';
  return {
    params: ['a'],
    ...(scalar ? { scalars: ['s'] } : {}),
    rows,
    cols,
    body: `${position(d, cols)}
const x = ${d.at('a', 'r', 'c', cols)};
return ${UNARY_EXPRESSIONS[op]};`,
  };
}

export function fillKernel(rows: number, cols: number): KernelSpec {
  return { params: [], scalars: ['v'], rows, cols, body: 'return v;' };
}

/** A copy of a [rows, cols] tensor into an output laid out as [outRows, outCols] (same size): reshape on GL. */
export function relayoutKernel(d: Dialect, rows: number, cols: number, outRows: number, outCols: number): KernelSpec {
  // The flat position of the output element, then its (row, col) in the source; exact while rows·cols < 2^24.
  return {
    params: ['a'],
    rows: outRows,
    cols: outCols,
    body: `${position(d, outCols)}
const f = r * ${outCols} + c;
const sr = Math.floor((f + 0.5) / ${cols});
return ${d.at('a', 'sr', `f - sr * ${cols}`, cols)};`,
  };
}

/** Rows of b below rows of a (byRows), or columns of b after columns of a (a single-row view: 1-D tensors). */
export function concatKernel(d: Dialect, aRows: number, aCols: number, bRows: number, bCols: number, byRows: boolean): KernelSpec {
  const rows = byRows ? aRows + bRows : 1;
  const cols = byRows ? aCols : aCols + bCols;
  const body = byRows
    ? `if (r < ${aRows}) {\n  return ${d.at('a', 'r', 'c', aCols)};\n}\nreturn ${d.at('b', `r - ${aRows}`, 'c', bCols)};`
    : `if (c < ${aCols}) {\n  return ${d.at('a', '0', 'c', aCols)};\n}\nreturn ${d.at('b', '0', `c - ${aCols}`, bCols)};`;
  return { params: ['a', 'b'], rows, cols, body: `${position(d, cols)}\n${body}` };
}

/** A host array uploaded as a tensor (GL: into a texture laid out [cols, 1, rows]). */
export function uploadKernel(d: Dialect, rows: number, cols: number): KernelSpec {
  // The host array is flat: read it with a 1-D index made of integer thread ids (exact in GL).
  const index = d.textures ? `this.thread.z * ${cols} + this.thread.x` : 'this.thread.x';
  return { params: ['a'], rows, cols, body: `return a[${index}];` };
}
