/* See conv.h. */
#include "conv.h"

#include <stdlib.h>

#include "fast-exp.h"

/* Below this many output elements a call runs on one thread. */
#define CONV_PARALLEL_MIN (1 << 15)
/* Channels per block of the weight-gradient sums. */
#define CONV_CHANNEL_BLOCK 16

static inline float sigmoidf(float x) { return 1.0f / (1.0f + fast_expf(-x)); }

/* wt [k, e] from w [e, k]; NULL when out of memory */
static float *taps_by_row(const float *w, int64_t e, int64_t k) {
  float *wt = malloc((size_t)(k * e + 1) * sizeof(float));
  if (!wt) return NULL;
  for (int64_t c = 0; c < e; c++)
    for (int64_t j = 0; j < k; j++) wt[j * e + c] = w[c * k + j];
  return wt;
}

int conv_silu_forward(const float *x, const float *w, const float *bias, int64_t b, int64_t l, int64_t e, int64_t k, float *y, float *pre, int threads) {
  float *wt = taps_by_row(w, e, k);
  if (!wt) return 1;
  const int64_t rows = b * l, lp = l + k - 1;
  const int par = rows > 1 && rows * e >= CONV_PARALLEL_MIN ? threads : 1;
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const int64_t i = r / l, t = r % l;
    const float *xr = x + (i * lp + t) * e;
    float *pr = pre + r * e, *yr = y + r * e;
    for (int64_t c = 0; c < e; c++) pr[c] = 0.0f;
    for (int64_t j = 0; j < k; j++) {
      const float *xj = xr + j * e;
      const float *wj = wt + j * e;
#pragma omp simd
      for (int64_t c = 0; c < e; c++) pr[c] += xj[c] * wj[c];
    }
#pragma omp simd
    for (int64_t c = 0; c < e; c++) {
      const float p = pr[c] + bias[c];
      pr[c] = p;
      yr[c] = p * sigmoidf(p);
    }
  }
  free(wt);
  return 0;
}

int conv_silu_backward(const float *dy, const float *x, const float *w, const float *pre, int64_t b, int64_t l, int64_t e, int64_t k,
                       float *dx, float *dw, float *dbias, int threads) {
  const int64_t rows = b * l, lp = l + k - 1;
  float *g = malloc((size_t)(rows * e + 1) * sizeof(float));
  float *wt = taps_by_row(w, e, k);
  if (!g || !wt) {
    free(g), free(wt);
    return 1;
  }
  const int par = rows > 1 && rows * e >= CONV_PARALLEL_MIN ? threads : 1;
  /* g = dy · silu'(pre) */
#pragma omp parallel for simd num_threads(par) schedule(static) if (par > 1)
  for (int64_t q = 0; q < rows * e; q++) {
    const float s = sigmoidf(pre[q]);
    g[q] = dy[q] * (s + pre[q] * s * (1.0f - s));
  }
  /* dx: each padded row s of each sample gathers the outputs it fed */
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < b * lp; r++) {
    const int64_t i = r / lp, s = r % lp;
    float *dxr = dx + r * e;
    for (int64_t c = 0; c < e; c++) dxr[c] = 0.0f;
    for (int64_t j = 0; j < k; j++) {
      const int64_t t = s - j;
      if (t < 0 || t >= l) continue;
      const float *gr = g + (i * l + t) * e, *wj = wt + j * e;
#pragma omp simd
      for (int64_t c = 0; c < e; c++) dxr[c] += gr[c] * wj[c];
    }
  }
  /* dw, dbias: channel blocks over threads, every row in order within a block */
  const int64_t blocks = (e + CONV_CHANNEL_BLOCK - 1) / CONV_CHANNEL_BLOCK;
  const int bpar = blocks > 1 && rows * e >= CONV_PARALLEL_MIN ? threads : 1;
#pragma omp parallel for num_threads(bpar) schedule(static) if (bpar > 1)
  for (int64_t blk = 0; blk < blocks; blk++) {
    const int64_t c0 = blk * CONV_CHANNEL_BLOCK, c1 = c0 + CONV_CHANNEL_BLOCK < e ? c0 + CONV_CHANNEL_BLOCK : e, nc = c1 - c0;
    double accb[CONV_CHANNEL_BLOCK] = {0};
    double accw[CONV_CHANNEL_BLOCK * 8];
    for (int64_t j0 = 0; j0 < k; j0 += 8) {
      const int64_t nj = k - j0 < 8 ? k - j0 : 8;
      for (int64_t q = 0; q < CONV_CHANNEL_BLOCK * 8; q++) accw[q] = 0.0;
      for (int64_t r = 0; r < rows; r++) {
        const int64_t i = r / l, t = r % l;
        const float *gr = g + r * e + c0;
        const float *xr = x + (i * lp + t + j0) * e + c0;
        for (int64_t j = 0; j < nj; j++)
          for (int64_t c = 0; c < nc; c++) accw[j * CONV_CHANNEL_BLOCK + c] += (double)gr[c] * (double)xr[j * e + c];
        if (j0 == 0)
          for (int64_t c = 0; c < nc; c++) accb[c] += (double)gr[c];
      }
      for (int64_t j = 0; j < nj; j++)
        for (int64_t c = 0; c < nc; c++) dw[(c0 + c) * k + j0 + j] = (float)accw[j * CONV_CHANNEL_BLOCK + c];
    }
    for (int64_t c = 0; c < nc; c++) dbias[c0 + c] = (float)accb[c];
  }
  free(g), free(wt);
  return 0;
}
