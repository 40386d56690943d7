/*
 * Native ceilings for the wasm backend's matmul on this machine (`pnpm bench:roofline` compiles this
 * with the system C compiler). Each kernel multiply-adds a packed A strip with a packed B panel held
 * in L1, the way a GEMM's inner loop does, so the result is the arithmetic ceiling, free of memory
 * effects:
 *   sse-3x12  : the wasm backend's micro-kernel (3 rows × 12 columns, 128-bit FMA) in native code,
 *               i.e. the best any 128-bit SIMD code (wasm SIMD is 128-bit) can do here;
 *   sse-4x8   : its earlier 4×8 shape, for comparison;
 *   avx2-6x16 : a 256-bit FMA kernel (what native BLAS libraries without AVX-512 use).
 *   fma-only  : 128-bit FMAs on 8 independent accumulators with no loads (issue-rate ceiling).
 * Prints one JSON line of GFLOP/s per kernel, best of `rounds` rounds.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((noinline)) static void sse_4x8(const float *pa, const float *pb, int kc, float *c) {
  __m128 x00 = _mm_loadu_ps(c), x01 = _mm_loadu_ps(c + 4), x10 = _mm_loadu_ps(c + 8), x11 = _mm_loadu_ps(c + 12);
  __m128 x20 = _mm_loadu_ps(c + 16), x21 = _mm_loadu_ps(c + 20), x30 = _mm_loadu_ps(c + 24), x31 = _mm_loadu_ps(c + 28);
  for (int p = 0; p < kc; p++) {
    __m128 b0 = _mm_load_ps(pb), b1 = _mm_load_ps(pb + 4);
    __m128 a = _mm_broadcast_ss(pa);
    x00 = _mm_fmadd_ps(a, b0, x00); x01 = _mm_fmadd_ps(a, b1, x01);
    a = _mm_broadcast_ss(pa + 1);
    x10 = _mm_fmadd_ps(a, b0, x10); x11 = _mm_fmadd_ps(a, b1, x11);
    a = _mm_broadcast_ss(pa + 2);
    x20 = _mm_fmadd_ps(a, b0, x20); x21 = _mm_fmadd_ps(a, b1, x21);
    a = _mm_broadcast_ss(pa + 3);
    x30 = _mm_fmadd_ps(a, b0, x30); x31 = _mm_fmadd_ps(a, b1, x31);
    pa += 4;
    pb += 8;
  }
  _mm_storeu_ps(c, x00); _mm_storeu_ps(c + 4, x01); _mm_storeu_ps(c + 8, x10); _mm_storeu_ps(c + 12, x11);
  _mm_storeu_ps(c + 16, x20); _mm_storeu_ps(c + 20, x21); _mm_storeu_ps(c + 24, x30); _mm_storeu_ps(c + 28, x31);
}

__attribute__((noinline)) static void sse_3x12(const float *pa, const float *pb, int kc, float *c) {
  __m128 x00 = _mm_loadu_ps(c), x01 = _mm_loadu_ps(c + 4), x02 = _mm_loadu_ps(c + 8);
  __m128 x10 = _mm_loadu_ps(c + 12), x11 = _mm_loadu_ps(c + 16), x12 = _mm_loadu_ps(c + 20);
  __m128 x20 = _mm_loadu_ps(c + 24), x21 = _mm_loadu_ps(c + 28), x22 = _mm_loadu_ps(c + 32);
  for (int p = 0; p < kc; p++) {
    __m128 b0 = _mm_load_ps(pb), b1 = _mm_load_ps(pb + 4), b2 = _mm_load_ps(pb + 8);
    __m128 a = _mm_broadcast_ss(pa);
    x00 = _mm_fmadd_ps(a, b0, x00); x01 = _mm_fmadd_ps(a, b1, x01); x02 = _mm_fmadd_ps(a, b2, x02);
    a = _mm_broadcast_ss(pa + 1);
    x10 = _mm_fmadd_ps(a, b0, x10); x11 = _mm_fmadd_ps(a, b1, x11); x12 = _mm_fmadd_ps(a, b2, x12);
    a = _mm_broadcast_ss(pa + 2);
    x20 = _mm_fmadd_ps(a, b0, x20); x21 = _mm_fmadd_ps(a, b1, x21); x22 = _mm_fmadd_ps(a, b2, x22);
    pa += 3;
    pb += 12;
  }
  _mm_storeu_ps(c, x00); _mm_storeu_ps(c + 4, x01); _mm_storeu_ps(c + 8, x02);
  _mm_storeu_ps(c + 12, x10); _mm_storeu_ps(c + 16, x11); _mm_storeu_ps(c + 20, x12);
  _mm_storeu_ps(c + 24, x20); _mm_storeu_ps(c + 28, x21); _mm_storeu_ps(c + 32, x22);
}

__attribute__((noinline)) static void avx2_6x16(const float *pa, const float *pb, int kc, float *c) {
  __m256 x[6][2];
  for (int i = 0; i < 6; i++) {
    x[i][0] = _mm256_loadu_ps(c + 16 * i);
    x[i][1] = _mm256_loadu_ps(c + 16 * i + 8);
  }
  for (int p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(pb), b1 = _mm256_load_ps(pb + 8);
    for (int i = 0; i < 6; i++) {
      __m256 a = _mm256_broadcast_ss(pa + i);
      x[i][0] = _mm256_fmadd_ps(a, b0, x[i][0]);
      x[i][1] = _mm256_fmadd_ps(a, b1, x[i][1]);
    }
    pa += 6;
    pb += 16;
  }
  for (int i = 0; i < 6; i++) {
    _mm256_storeu_ps(c + 16 * i, x[i][0]);
    _mm256_storeu_ps(c + 16 * i + 8, x[i][1]);
  }
}

__attribute__((noinline)) static float fma_only(long n) {
  __m128 a[8];
  const __m128 m = _mm_set1_ps(0.999999f), k = _mm_set1_ps(1e-7f);
  for (int i = 0; i < 8; i++) a[i] = _mm_set1_ps(1.0f + i);
  for (long j = 0; j < n; j++) {
    for (int i = 0; i < 8; i++) a[i] = _mm_fmadd_ps(a[i], m, k);
  }
  __m128 s = _mm_setzero_ps();
  for (int i = 0; i < 8; i++) s = _mm_add_ps(s, a[i]);
  return _mm_cvtss_f32(s);
}

int main(int argc, char **argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 3;
  const int kc = 256, reps = 20000;
  float *a = aligned_alloc(64, 1 << 16), *b = aligned_alloc(64, 1 << 16), *c = aligned_alloc(64, 1 << 12);
  for (int i = 0; i < (1 << 14); i++) {
    a[i] = (float)(i % 7) * 1e-6f;
    b[i] = (float)(i % 5) * 1e-6f;
  }
  for (int i = 0; i < (1 << 10); i++) c[i] = 0;
  double best_sse = 0, best_sse3 = 0, best_avx = 0, best_fma = 0;
  volatile float sink = 0;
  for (int r = 0; r < rounds; r++) {
    double t = now();
    for (int i = 0; i < reps; i++) sse_4x8(a, b, kc, c);
    double g = reps * 2.0 * 4 * 8 * kc / (now() - t) / 1e9;
    if (g > best_sse) best_sse = g;
    t = now();
    for (int i = 0; i < reps; i++) sse_3x12(a, b, kc, c);
    g = reps * 2.0 * 3 * 12 * kc / (now() - t) / 1e9;
    if (g > best_sse3) best_sse3 = g;
    t = now();
    for (int i = 0; i < reps; i++) avx2_6x16(a, b, kc, c);
    g = reps * 2.0 * 6 * 16 * kc / (now() - t) / 1e9;
    if (g > best_avx) best_avx = g;
    t = now();
    sink += fma_only(20000000L);
    g = 20000000.0 * 8 * 8 / (now() - t) / 1e9;
    if (g > best_fma) best_fma = g;
  }
  printf("{\"sse-3x12\": %.1f, \"sse-4x8\": %.1f, \"avx2-6x16\": %.1f, \"fma-only\": %.1f, \"checksum\": %g}\n", best_sse3, best_sse, best_avx, best_fma, (double)(c[0] + sink));
  return 0;
}
