/* Fused RMSNorm and LayerNorm, forward and backward (see norm.h). */
#include "norm.h"

#include <math.h>
#include <stdlib.h>

/* Below this many elements a call runs on one thread. */
#define NORM_PARALLEL_MIN (1 << 15)

static int threads_for(int64_t rows, int64_t d, int threads) { return rows > 1 && rows * d >= NORM_PARALLEL_MIN ? threads : 1; }

void rmsnorm_forward(const float *x, const float *w, int64_t rows, int64_t d, float eps, float *y, float *rstd, int threads) {
  const int par = threads_for(rows, d, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    double ss = 0;
    for (int64_t j = 0; j < d; j++) ss += (double)xr[j] * xr[j];
    const float s = (float)(1.0 / sqrt(ss / (double)d + (double)eps));
    rstd[r] = s;
    for (int64_t j = 0; j < d; j++) yr[j] = xr[j] * s * w[j];
  }
}

/* sum[j] = Σ_k partials[k·d + j], blocks in order (so the result does not depend on threads). */
static void column_sum(const double *partials, int64_t nblocks, int64_t d, float *sum) {
  for (int64_t j = 0; j < d; j++) {
    double t = 0;
    for (int64_t k = 0; k < nblocks; k++) t += partials[k * d + j];
    sum[j] = (float)t;
  }
}

int rmsnorm_backward(const float *dy, const float *x, const float *w, const float *rstd, int64_t rows, int64_t d, float *dx, float *dw, int threads) {
  const int64_t nblocks = (rows + NORM_BLOCK - 1) / NORM_BLOCK;
  double *partial = calloc((size_t)(nblocks > 0 ? nblocks : 1) * (size_t)d, sizeof(double));
  if (!partial) return -1;
  const int par = threads_for(rows, d, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t k = 0; k < nblocks; k++) {
    double *pw = partial + k * d;
    const int64_t end = (k + 1) * NORM_BLOCK < rows ? (k + 1) * NORM_BLOCK : rows;
    for (int64_t r = k * NORM_BLOCK; r < end; r++) {
      const float *xr = x + r * d, *gr = dy + r * d;
      float *dxr = dx + r * d;
      const double s = rstd[r];
      double gx = 0; /* Σ (dy·w)·x */
      for (int64_t j = 0; j < d; j++) {
        gx += (double)gr[j] * w[j] * xr[j];
        pw[j] += (double)gr[j] * xr[j] * s;
      }
      const double c = s * s * s * gx / (double)d;
      for (int64_t j = 0; j < d; j++) dxr[j] = (float)(s * gr[j] * w[j] - c * xr[j]);
    }
  }
  column_sum(partial, nblocks, d, dw);
  free(partial);
  return 0;
}

void layernorm_forward(const float *x, const float *w, const float *b, int64_t rows, int64_t d, float eps, float *y, float *mean, float *rstd, int threads) {
  const int par = threads_for(rows, d, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    double sum = 0;
    for (int64_t j = 0; j < d; j++) sum += xr[j];
    const double mu = sum / (double)d;
    double var = 0;
    for (int64_t j = 0; j < d; j++) var += ((double)xr[j] - mu) * ((double)xr[j] - mu);
    const float s = (float)(1.0 / sqrt(var / (double)d + (double)eps));
    mean[r] = (float)mu;
    rstd[r] = s;
    const float m = (float)mu;
    for (int64_t j = 0; j < d; j++) yr[j] = (xr[j] - m) * s * w[j] + b[j];
  }
}

int layernorm_backward(const float *dy, const float *x, const float *w, const float *mean, const float *rstd, int64_t rows, int64_t d, float *dx, float *dw, float *db, int threads) {
  const int64_t nblocks = (rows + NORM_BLOCK - 1) / NORM_BLOCK;
  double *partial = calloc((size_t)(nblocks > 0 ? nblocks : 1) * (size_t)d * 2, sizeof(double));
  if (!partial) return -1;
  double *pbias = partial + (size_t)nblocks * (size_t)d;
  const int par = threads_for(rows, d, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t k = 0; k < nblocks; k++) {
    double *pw = partial + k * d, *pb = pbias + k * d;
    const int64_t end = (k + 1) * NORM_BLOCK < rows ? (k + 1) * NORM_BLOCK : rows;
    for (int64_t r = k * NORM_BLOCK; r < end; r++) {
      const float *xr = x + r * d, *gr = dy + r * d;
      float *dxr = dx + r * d;
      const double s = rstd[r], mu = mean[r];
      double g = 0, gxh = 0; /* Σ dy·w, Σ dy·w·x̂ */
      for (int64_t j = 0; j < d; j++) {
        const double xh = ((double)xr[j] - mu) * s;
        const double gw = (double)gr[j] * w[j];
        g += gw;
        gxh += gw * xh;
        pw[j] += (double)gr[j] * xh;
        pb[j] += gr[j];
      }
      g /= (double)d;
      gxh /= (double)d;
      for (int64_t j = 0; j < d; j++) {
        const double xh = ((double)xr[j] - mu) * s;
        dxr[j] = (float)(s * ((double)gr[j] * w[j] - g - xh * gxh));
      }
    }
  }
  column_sum(partial, nblocks, d, dw);
  column_sum(pbias, nblocks, d, db);
  free(partial);
  return 0;
}
