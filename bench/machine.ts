/**
 * What the benchmark's machine offers the kernels it compares: the CPU's SIMD extensions, its cache
 * sizes, and which of OpenBLAS's kernel sets (its "core") PyTorch's BLAS picked at run time. The
 * encoder ratio depends on these: OpenBLAS uses 512-bit vectors where the CPU has AVX-512, while
 * WebAssembly SIMD is 128-bit on every CPU.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

export interface MachineDetails {
  /** The SIMD extensions of interest that /proc/cpuinfo lists, widest last; [] when unknown. */
  simd: string[];
  /** Per level and kind, e.g. "L1d 32K, L2 1024K, L3 36608K"; "" when unknown. */
  caches: string;
  /** openblas_get_config() of the BLAS PyTorch loads, e.g. "OpenBLAS 0.3.21 … SkylakeX …"; null when it is not OpenBLAS. */
  openblas: string | null;
}

const SIMD_FLAGS = ['sse4_2', 'avx', 'fma', 'avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16'];

function cpuFlags(): string[] {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    const flags = new Set(line?.split(':')[1]?.trim().split(/\s+/) ?? []);
    return SIMD_FLAGS.filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

function cacheSizes(): string {
  const dir = '/sys/devices/system/cpu/cpu0/cache';
  try {
    return readdirSync(dir).filter((e) => e.startsWith('index')).map((e) => {
      const read = (f: string) => readFileSync(join(dir, e, f), 'utf8').trim();
      const type = read('type');
      return { level: read('level'), type, size: read('size') };
    }).filter((c) => c.type !== 'Instruction')
      .map((c) => `L${c.level}${c.type === 'Data' ? 'd' : ''} ${c.size}`).join(', ');
  } catch {
    return '';
  }
}

/** The BLAS library Debian's PyTorch loads (libblas.so.3 resolved through the alternatives links); 'n/a' elsewhere. */
export function blasLibrary(): string {
  try {
    return realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
  } catch {
    return 'n/a';
  }
}

/** The BLAS library's own description, asked through ctypes (no torch import needed). */
function openblasConfig(blasPath: string): string | null {
  const script = [
    'import ctypes, sys',
    'l = ctypes.CDLL(sys.argv[1])',
    'f = l.openblas_get_config',
    'f.restype = ctypes.c_char_p',
    'print(f().decode())',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, blasPath], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || null : null;
}

export function machineDetails(blasPath: string): MachineDetails {
  return { simd: cpuFlags(), caches: cacheSizes(), openblas: blasPath.includes('openblas') ? openblasConfig(blasPath) : null };
}
