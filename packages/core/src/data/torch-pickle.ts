import { FileFormatError } from '../errors.js';
import type { StoredFloatDType } from './activation-source.js';

/**
 * A data-only reader for the pickles that `torch.save` writes. It interprets the opcodes torch
 * emits and builds plain values; it never imports or calls anything. Globals are matched against a
 * short allow-list (tensor rebuild functions, storage types, OrderedDict) and anything else is
 * refused, so a malicious pickle cannot run code.
 */

export interface StorageRef {
  kind: 'storage';
  /** Name of the storage record in the zip (`<prefix>/data/<key>`). */
  key: string;
  dtype: StoredFloatDType | `unsupported:${string}`;
  numel: number;
}

export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  storageOffset: number;
  shape: number[];
  stride: number[];
}

export type PickleValue =
  | null | boolean | number | bigint | string | Uint8Array
  | PickleValue[] | Map<PickleValue, PickleValue> | StorageRef | TensorRef | { kind: 'global'; name: string }
  | { kind: 'tuple'; items: PickleValue[] };

const STORAGE_DTYPES: Readonly<Record<string, StoredFloatDType>> = {
  'torch.FloatStorage': 'float32',
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.DoubleStorage': 'float64',
};

const ALLOWED_GLOBALS = new Set([
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'collections.OrderedDict',
  'torch.serialization._get_layout',
  'torch.storage.UntypedStorage',
]);

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

export function unpickleTorch(bytes: Uint8Array, file: string): PickleValue {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const text = new TextDecoder();
  let pos = 0;
  const fail = (msg: string): never => {
    throw new FileFormatError(file, `pickle byte ${pos}: ${msg}`, { hint: 'save the activations with torch.save(tensor, path)' });
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail('unexpected end of data (truncated pickle)');
  };
  const u8 = () => (need(1), bytes[pos++]!);
  const u16 = () => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), dv.getInt32(pos - 4, true));
  const take = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated line');
    const s = text.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail('stack underflow');
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('MARK missing');
    const items = stack.splice(i) as PickleValue[];
    items.shift();
    return items;
  };
  const top = (): PickleValue => stack[stack.length - 1] as PickleValue;
  const tuple = (items: PickleValue[]): PickleValue => ({ kind: 'tuple', items });
  const global = (name: string): PickleValue => {
    if (STORAGE_DTYPES[name] || ALLOWED_GLOBALS.has(name) || /^torch\.\w+Storage$/.test(name)) return { kind: 'global', name };
    return fail(`refusing global '${name}': only tensors, dicts and lists of tensors can be read`);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x28: stack.push(MARK); break;
      case 0x29: stack.push(tuple([])); break;
      case 0x5d: stack.push([]); break;
      case 0x7d: stack.push(new Map()); break;
      case 0x74: stack.push(tuple(popMark())); break;
      case 0x85: stack.push(tuple([pop()])); break;
      case 0x86: { const b = pop(); stack.push(tuple([pop(), b])); break; }
      case 0x87: { const c = pop(); const b = pop(); stack.push(tuple([pop(), b, c])); break; }
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: { // LONG1
        const n = u8();
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: need(8); stack.push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x58: stack.push(text.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(text.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: { const lo = u32(); const hi = u32(); stack.push(text.decode(take(hi * 2 ** 32 + lo))); break; }
      case 0x55: stack.push(text.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x54: stack.push(text.decode(take(u32()))); break; // BINSTRING
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memoGet(memo, u8(), fail)); break; // BINGET
      case 0x6a: stack.push(memoGet(memo, u32(), fail)); break; // LONG_BINGET
      case 0x63: { const mod = line(); stack.push(global(`${mod}.${line()}`)); break; } // GLOBAL
      case 0x93: { const name = pop(); const mod = pop(); stack.push(global(`${String(mod)}.${String(name)}`)); break; }
      case 0x51: stack.push(persistentLoad(pop(), fail)); break; // BINPERSID
      case 0x52: { const args = pop(); stack.push(reduce(pop(), args, fail)); break; } // REDUCE
      case 0x62: pop(); break; // BUILD: state of OrderedDict/params is irrelevant here
      case 0x73: { const v = pop(); const k = pop(); (top() as Map<PickleValue, PickleValue>).set(k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        const d = top() as Map<PickleValue, PickleValue>;
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i]!, items[i + 1]!);
        break;
      }
      case 0x61: { const v = pop(); (top() as PickleValue[]).push(v); break; } // APPEND
      case 0x65: { const items = popMark(); (top() as PickleValue[]).push(...items); break; } // APPENDS
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
  }
}

function memoGet(memo: Map<number, PickleValue>, i: number, fail: (m: string) => never): PickleValue {
  if (!memo.has(i)) fail(`memo entry ${i} missing`);
  return memo.get(i)!;
}

function items(v: PickleValue): PickleValue[] {
  return v !== null && typeof v === 'object' && 'kind' in v && v.kind === 'tuple' ? v.items : [];
}

function persistentLoad(pid: PickleValue, fail: (m: string) => never): StorageRef {
  const [tag, type, key, , numel] = items(pid);
  if (tag !== 'storage' || typeof key !== 'string') return fail('unrecognised persistent id (not a torch storage)');
  const typeName = type !== null && typeof type === 'object' && 'kind' in type && type.kind === 'global' ? type.name : String(type);
  const dtype = STORAGE_DTYPES[typeName] ?? (`unsupported:${typeName}` as const);
  return { kind: 'storage', key, dtype, numel: Number(numel) };
}

function reduce(fn: PickleValue, args: PickleValue, fail: (m: string) => never): PickleValue {
  const name = fn !== null && typeof fn === 'object' && 'kind' in fn && fn.kind === 'global' ? fn.name : '';
  const a = items(args);
  switch (name) {
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor': {
      const [storage, offset, size, stride] = a;
      if (!(storage && typeof storage === 'object' && 'kind' in storage && storage.kind === 'storage')) return fail('tensor without storage');
      return { kind: 'tensor', storage, storageOffset: Number(offset), shape: items(size!).map(Number), stride: items(stride!).map(Number) };
    }
    case 'torch._utils._rebuild_parameter':
      return a[0]!;
    case 'collections.OrderedDict':
      return new Map();
    default:
      return fail(`cannot rebuild '${name}'`);
  }
}
