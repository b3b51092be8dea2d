/* Fused SwiGLU, causal softmax and cross-entropy, forward and backward (see fused.h). */
#include "fused.h"

#include <math.h>

#include "fast-exp.h"

/* Below this many elements a call runs on one thread. */
#define FUSED_PARALLEL_MIN (1 << 15)

static int par_for(int64_t units, int64_t size, int threads) { return units > 1 && size >= FUSED_PARALLEL_MIN ? threads : 1; }

static inline float sigmoidf(float x) { return 1.0f / (1.0f + fast_expf(-x)); }

void swiglu_forward(const float *a, const float *b, float *y, int64_t n, int threads) {
  const int par = par_for(n, n, threads);
#pragma omp parallel for simd num_threads(par) schedule(static) if (par > 1)
  for (int64_t i = 0; i < n; i++) y[i] = a[i] * sigmoidf(a[i]) * b[i];
}

void swiglu_backward(const float *a, const float *b, const float *dy, float *da, float *db, int64_t n, int threads) {
  const int par = par_for(n, n, threads);
#pragma omp parallel for simd num_threads(par) schedule(static) if (par > 1)
  for (int64_t i = 0; i < n; i++) {
    const float s = sigmoidf(a[i]);
    const float silu = a[i] * s;
    db[i] = dy[i] * silu;
    da[i] = dy[i] * b[i] * (s + silu * (1.0f - s)); /* d silu/da = σ + a·σ·(1 − σ) */
  }
}

/* Keys query row r sees: 0 … past + (r mod l). */
static inline int64_t keys_seen(int64_t r, int64_t l, int64_t t, int64_t past) {
  const int64_t seen = past + r % l + 1;
  return seen < t ? seen : t;
}

void causal_softmax_forward(const float *s, float *p, int64_t rows, int64_t l, int64_t t, int64_t past, float scale, int threads) {
  const int par = par_for(rows, rows * t, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const float *sr = s + r * t;
    float *pr = p + r * t;
    const int64_t seen = keys_seen(r, l, t, past);
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (int64_t j = 0; j < seen; j++) mx = fmaxf(mx, sr[j] * scale);
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < seen; j++) {
      pr[j] = fast_expf(sr[j] * scale - mx);
      sum += pr[j];
    }
    const float inv = 1.0f / sum;
#pragma omp simd
    for (int64_t j = 0; j < seen; j++) pr[j] *= inv;
    for (int64_t j = seen; j < t; j++) pr[j] = 0.0f;
  }
}

void causal_softmax_backward(const float *p, const float *dp, float *ds, int64_t rows, int64_t l, int64_t t, int64_t past, float scale, int threads) {
  const int par = par_for(rows, rows * t, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const float *pr = p + r * t, *gr = dp + r * t;
    float *dr = ds + r * t;
    const int64_t seen = keys_seen(r, l, t, past); /* p is 0 beyond: so is ds */
    float dot = 0;
#pragma omp simd reduction(+ : dot)
    for (int64_t j = 0; j < seen; j++) dot += gr[j] * pr[j];
#pragma omp simd
    for (int64_t j = 0; j < seen; j++) dr[j] = scale * pr[j] * (gr[j] - dot);
    for (int64_t j = seen; j < t; j++) dr[j] = 0.0f;
  }
}

void cross_entropy_forward(const float *logits, const int32_t *targets, int64_t rows, int64_t v, float *loss, float *lse, int threads) {
  const int par = par_for(rows, rows * v, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const float *x = logits + r * v;
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (int64_t j = 0; j < v; j++) mx = fmaxf(mx, x[j]);
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < v; j++) sum += fast_expf(x[j] - mx);
    lse[r] = mx + logf(sum);
  }
  double total = 0;
  int64_t count = 0;
  for (int64_t r = 0; r < rows; r++) {
    if (targets[r] < 0) continue;
    total += (double)lse[r] - logits[r * v + targets[r]];
    count++;
  }
  loss[0] = count > 0 ? (float)(total / (double)count) : NAN;
}

void cross_entropy_backward(const float *logits, const int32_t *targets, const float *lse, float dloss, int64_t rows, int64_t v, float *dlogits, int threads) {
  int64_t count = 0;
  for (int64_t r = 0; r < rows; r++) count += targets[r] >= 0;
  const float scale = count > 0 ? dloss / (float)count : 0.0f;
  const int par = par_for(rows, rows * v, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const float *x = logits + r * v;
    float *g = dlogits + r * v;
    if (targets[r] < 0) {
      for (int64_t j = 0; j < v; j++) g[j] = 0.0f;
      continue;
    }
    const float m = lse[r];
#pragma omp simd
    for (int64_t j = 0; j < v; j++) g[j] = scale * fast_expf(x[j] - m);
    g[targets[r]] -= scale;
  }
}

/* The rotary kernels round each product and sum apart, as the composed ops do. */
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
void rope_forward(const float *x, const float *cos, const float *sin, float *y, int64_t rows, int64_t l, int64_t hd, int threads) {
  const int64_t half = hd / 2;
  const int par = par_for(rows, rows * hd, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * hd, *c = cos + (r % l) * hd, *s = sin + (r % l) * hd;
    float *yr = y + r * hd;
#pragma omp simd
    for (int64_t i = 0; i < half; i++) {
      yr[i] = xr[i] * c[i] + (-xr[i + half]) * s[i];
      yr[i + half] = xr[i + half] * c[i + half] + xr[i] * s[i + half];
    }
  }
}

void rope_backward(const float *dy, const float *cos, const float *sin, float *dx, int64_t rows, int64_t l, int64_t hd, int threads) {
  const int64_t half = hd / 2;
  const int par = par_for(rows, rows * hd, threads);
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const float *gr = dy + r * hd, *c = cos + (r % l) * hd, *s = sin + (r % l) * hd;
    float *dr = dx + r * hd;
#pragma omp simd
    for (int64_t i = 0; i < half; i++) {
      dr[i] = gr[i] * c[i] + gr[i + half] * s[i + half];
      dr[i + half] = gr[i + half] * c[i + half] - gr[i] * s[i];
    }
  }
}
#pragma GCC pop_options
