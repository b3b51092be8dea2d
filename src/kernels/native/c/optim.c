/* See optim.h. fp-contract is off so that a·b + c rounds twice, as the composed ops do. */
#pragma GCC optimize("fp-contract=off")
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Tensors below this size are updated on one thread: the fork costs more than the work. */
#define PARALLEL_MIN 32768
/* Elements per block of the norm's partial sums. */
#define NORM_BLOCK 8192

static void adamw_range(const float *restrict p, const float *restrict g, const float *restrict m, const float *restrict v,
                        float *restrict po, float *restrict mo, float *restrict vo, int64_t lo, int64_t hi, float decay,
                        float b1, float ob1, float b2, float ob2, float c2, float eps, float step, float scale) {
  for (int64_t j = lo; j < hi; j++) {
    const float gs = g[j] * scale;
    const float mm = m[j] * b1 + gs * ob1;
    const float vv = v[j] * b2 + (gs * gs) * ob2;
    const float denom = sqrtf(vv / c2) + eps;
    mo[j] = mm;
    vo[j] = vv;
    po[j] = p[j] * decay - (mm / denom) * step;
  }
}

#define ADAMW_RANGE(b, lo, hi, decay, s)                                                                          \
  adamw_range((b)[0], (b)[1], (b)[2], (b)[3], (b)[4], (b)[5], (b)[6], lo, hi, decay, (s)->beta1, (s)->one_minus_beta1, \
              (s)->beta2, (s)->one_minus_beta2, (s)->c2, (s)->eps, (s)->step_size, (s)->grad_scale)

void adamw_update(int64_t tensors, float *const *bufs, const int64_t *sizes, const float *decay, const adamw_scalars *s, int threads) {
  for (int64_t i = 0; i < tensors; i++) {
    float *const *b = bufs + 7 * i;
    const int64_t n = sizes[i];
    if (n < PARALLEL_MIN || threads <= 1) {
      ADAMW_RANGE(b, 0, n, decay[i], s);
      continue;
    }
#pragma omp parallel num_threads(threads)
    {
#ifdef _OPENMP
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
      const int t = 0, nt = 1;
#endif
      /* 16-aligned split so each thread's range starts on a vector boundary */
      const int64_t per = ((n + nt - 1) / nt + 15) / 16 * 16;
      const int64_t lo = t * per < n ? t * per : n, hi = lo + per < n ? lo + per : n;
      ADAMW_RANGE(b, lo, hi, decay[i], s);
    }
  }
}

double global_norm(int64_t tensors, const float *const *bufs, const int64_t *sizes, int threads) {
  int64_t blocks = 0;
  for (int64_t i = 0; i < tensors; i++) blocks += (sizes[i] + NORM_BLOCK - 1) / NORM_BLOCK;
  if (blocks == 0) return 0.0;
  double *partial = malloc((size_t)blocks * sizeof(double));
  int64_t *tensor_of = malloc((size_t)blocks * sizeof(int64_t));
  int64_t *start_of = malloc((size_t)blocks * sizeof(int64_t));
  if (!partial || !tensor_of || !start_of) {
    free(partial), free(tensor_of), free(start_of);
    return -1.0;
  }
  for (int64_t i = 0, k = 0; i < tensors; i++)
    for (int64_t j = 0; j < sizes[i]; j += NORM_BLOCK, k++) tensor_of[k] = i, start_of[k] = j;
#pragma omp parallel for num_threads(threads) schedule(static) if (blocks > 4)
  for (int64_t k = 0; k < blocks; k++) {
    const float *x = bufs[tensor_of[k]];
    const int64_t lo = start_of[k], n = sizes[tensor_of[k]], hi = lo + NORM_BLOCK < n ? lo + NORM_BLOCK : n;
    /* eight fixed lanes (one AVX-512 vector of doubles), added in lane order */
    double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t j = lo;
    for (; j + 8 <= hi; j += 8)
      for (int l = 0; l < 8; l++) lane[l] += (double)x[j + l] * (double)x[j + l];
    double acc = 0.0;
    for (; j < hi; j++) acc += (double)x[j] * (double)x[j];
    for (int l = 0; l < 8; l++) acc += lane[l];
    partial[k] = acc;
  }
  double total = 0.0;
  for (int64_t k = 0; k < blocks; k++) total += partial[k];
  free(partial), free(tensor_of), free(start_of);
  return sqrt(total);
}
