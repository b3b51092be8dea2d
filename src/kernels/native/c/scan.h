/*
 * The fused selective scan in C: the same recurrence, layout and chunk checkpoints as
 * `../../selective-scan/fused-cpu.ts` (read its header and `declaration.ts` for the math).
 * Channels go in tiles of 16 (one AVX-512 vector), each tile's state kept as [n, 16] so that
 * the inner loops run over channels with full vectors for any n. Above ~1M state updates the
 * work goes over threads (OpenMP): (row, tile) pairs forward, rows backward (ranges of tiles
 * when rows are fewer than threads). The state is float32 as in the official CUDA
 * kernel, e^{ΔA} is `fast_expf`, softplus and sigmoid are vectorised from it, and the parameter
 * gradients (dA, dD, dΔbias) are summed in float64 per row and reduced over rows in order at the
 * end: work is handed out dynamically and the result is the same every run (and, with at least
 * as many rows as threads, the same for any thread count).
 */
#ifndef METEOR_SCAN_H
#define METEOR_SCAN_H

#include <stdint.h>

typedef struct {
  int64_t b, l, d, n, chunk;
  int delta_softplus;
  const float *u;          /* [b, l, d] */
  const float *delta;      /* [b, l, d] */
  const float *A;          /* [d, n] */
  const float *B;          /* [b, l, n] */
  const float *C;          /* [b, l, n] */
  const float *D;          /* [d] */
  const float *z;          /* [b, l, d] or NULL */
  const float *delta_bias; /* [d] or NULL */
  const float *h0;         /* [b, d, n] or NULL */
  const int32_t *lengths;  /* [b] or NULL */
} scan_args;

typedef struct {
  float *u, *delta, *A, *B, *C, *D;
  float *z, *delta_bias, *h0; /* NULL when the input is absent */
} scan_grads;

/* y [b, l, d], last_state [b, d, n], checkpoints [b, ceil(l/chunk), d, n]. Returns 0, or -1 when out of memory. */
int scan_forward(const scan_args *a, float *y, float *last_state, float *checkpoints, int threads);

/* Gradients of every input given dy [b, l, d] and d_last [b, d, n] (NULL: zero). Returns 0, or -1 when out of memory. */
int scan_backward(const scan_args *a, const float *checkpoints, const float *dy, const float *d_last, scan_grads *g, int threads);

#endif
