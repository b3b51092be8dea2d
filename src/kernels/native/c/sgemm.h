/*
 * Single-precision matrix products for the native addon.
 *
 * C[m, n] = op(A)[m, k] · op(B)[k, n], row-major, op = transpose when the flag is set
 * (A is then stored [k, m], B [n, k]), over a batch with per-operand batch strides
 * (0 broadcasts one matrix to every batch entry). The blocking follows Goto & van de Geijn,
 * "Anatomy of high-performance matrix multiplication" (ACM TOMS 34(3), 2008): B is packed in
 * [kc, NR] panels, A in [kc, MR] panels, and an MR × NR register tile is accumulated by a
 * micro-kernel written with GCC vector extensions (AVX-512 or AVX2 under -march=native).
 */
#ifndef METEOR_SGEMM_H
#define METEOR_SGEMM_H

#include <stdint.h>

typedef struct {
  int64_t batch, m, k, n;
  int trans_a, trans_b;
  /* elements between consecutive batch entries of A and B (0: the same matrix for all) */
  int64_t stride_a, stride_b;
} sgemm_shape;

/* out [batch, m, n] = op(a) · op(b); `threads` ≥ 1 OpenMP threads. Returns 0, or -1 when out of memory. */
int sgemm_batched(const sgemm_shape *s, const float *a, const float *b, float *out, int threads);

/* The plain triple loop (reference for tests and the benchmark's floor). */
void sgemm_naive(const sgemm_shape *s, const float *a, const float *b, float *out);

#endif
