#include "scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "fast-exp.h"

static int64_t row_length(const scan_args *a, int64_t i) {
  if (!a->lengths) return a->l;
  const int64_t len = a->lengths[i];
  return len < 0 ? 0 : len > a->l ? a->l : len;
}

/* Δ = softplus(raw) (linear above 20, as torch), or raw */
static inline float to_delta(float raw, int softplus) {
  return !softplus || raw > 20.0f ? raw : log1pf(expf(raw));
}

static inline float raw_delta(const scan_args *a, int64_t xt, int64_t c) {
  return a->delta[xt + c] + (a->delta_bias ? a->delta_bias[c] : 0.0f);
}

/* Scans below this many state updates (b·l·d·n) run on one thread (see sgemm.c). */
#define PARALLEL_MIN_UPDATES (1L << 20)

int scan_forward(const scan_args *a, float *y, float *last_state, float *checkpoints, int threads) {
  const int64_t b = a->b, l = a->l, d = a->d, n = a->n, dn = d * n;
  if (b * l * dn < PARALLEL_MIN_UPDATES) threads = 1;
  const int64_t chunks = (l + a->chunk - 1) / a->chunk;
  int failed = 0;
#pragma omp parallel num_threads(threads) if (threads > 1 && b > 1)
  {
    float *h = malloc((size_t)dn * sizeof(float)); /* [d, n] */
    if (!h) {
#pragma omp atomic write
      failed = 1;
    } else {
#pragma omp for schedule(dynamic, 1)
      for (int64_t i = 0; i < b; i++) {
        if (a->h0) memcpy(h, a->h0 + i * dn, (size_t)dn * sizeof(float));
        else memset(h, 0, (size_t)dn * sizeof(float));
        const int64_t len = row_length(a, i);
        memset(y + i * l * d, 0, (size_t)(l * d) * sizeof(float));
        for (int64_t t = 0; t < l; t++) {
          if (t % a->chunk == 0) memcpy(checkpoints + (i * chunks + t / a->chunk) * dn, h, (size_t)dn * sizeof(float));
          if (t >= len) continue; /* padding: y stays 0, the state is carried */
          const int64_t xt = (i * l + t) * d;
          const float *Bt = a->B + (i * l + t) * n;
          const float *Ct = a->C + (i * l + t) * n;
          for (int64_t c = 0; c < d; c++) {
            const float dt = to_delta(raw_delta(a, xt, c), a->delta_softplus);
            const float uc = a->u[xt + c];
            const float dtu = dt * uc;
            float *hc = h + c * n;
            const float *Ac = a->A + c * n;
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (int64_t j = 0; j < n; j++) {
              const float hv = fast_expf(dt * Ac[j]) * hc[j] + dtu * Bt[j];
              hc[j] = hv;
              acc += hv * Ct[j];
            }
            const float yc = acc + a->D[c] * uc;
            if (a->z) {
              const float zc = a->z[xt + c];
              y[xt + c] = yc * zc / (1.0f + expf(-zc));
            } else {
              y[xt + c] = yc;
            }
          }
        }
        memcpy(last_state + i * dn, h, (size_t)dn * sizeof(float));
      }
    }
    free(h);
  }
  return failed ? -1 : 0;
}

int scan_backward(const scan_args *a, const float *checkpoints, const float *dy, const float *d_last, scan_grads *g, int threads) {
  const int64_t b = a->b, l = a->l, d = a->d, n = a->n, dn = d * n;
  if (b * l * dn < PARALLEL_MIN_UPDATES) threads = 1;
  const int64_t chunks = (l + a->chunk - 1) / a->chunk;
  const int64_t span = a->chunk < l ? a->chunk : l;
  int nt = threads > 1 && b > 1 ? threads : 1;
  /* per-thread float64 sums of dA [d, n], dD [d], dΔbias [d] */
  double *sums = calloc((size_t)(nt * (dn + 2 * d)), sizeof(double));
  if (!sums) return -1;
  int failed = 0;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
#ifdef _OPENMP
    const int me = omp_get_thread_num();
#else
    const int me = 0;
#endif
    double *gA = sums + me * (dn + 2 * d);
    double *gD = gA + dn;
    double *gBias = gD + d;
    float *hs = malloc((size_t)((span + 1) * dn) * sizeof(float)); /* [chunk + 1, d, n] */
    float *es = malloc((size_t)(span * dn) * sizeof(float));       /* [chunk, d, n] */
    float *dts = malloc((size_t)(span * d) * sizeof(float));       /* [chunk, d] */
    float *gh = malloc((size_t)dn * sizeof(float));                /* [d, n]: ∂L/∂h_t */
    float *gBt = malloc((size_t)n * sizeof(float));
    float *gCt = malloc((size_t)n * sizeof(float));
    if (!hs || !es || !dts || !gh || !gBt || !gCt) {
#pragma omp atomic write
      failed = 1;
    } else {
#pragma omp for schedule(static) /* fixed rows per thread: the float64 sums reduce in the same order every run */
      for (int64_t i = 0; i < b; i++) {
        if (d_last) memcpy(gh, d_last + i * dn, (size_t)dn * sizeof(float));
        else memset(gh, 0, (size_t)dn * sizeof(float));
        const int64_t len = row_length(a, i);
        memset(g->u + i * l * d, 0, (size_t)(l * d) * sizeof(float));
        memset(g->delta + i * l * d, 0, (size_t)(l * d) * sizeof(float));
        memset(g->B + i * l * n, 0, (size_t)(l * n) * sizeof(float));
        memset(g->C + i * l * n, 0, (size_t)(l * n) * sizeof(float));
        if (g->z) memset(g->z + i * l * d, 0, (size_t)(l * d) * sizeof(float));
        for (int64_t chunk = chunks - 1; chunk >= 0; chunk--) {
          const int64_t t0 = chunk * a->chunk;
          const int64_t t1 = t0 + a->chunk < len ? t0 + a->chunk : len;
          if (t1 <= t0) continue;
          /* replay the chunk: hs[s + 1] = h_{t0 + s} */
          memcpy(hs, checkpoints + (i * chunks + chunk) * dn, (size_t)dn * sizeof(float));
          for (int64_t t = t0; t < t1; t++) {
            const int64_t xt = (i * l + t) * d;
            const float *Bt = a->B + (i * l + t) * n;
            const float *prev = hs + (t - t0) * dn;
            float *next = hs + (t - t0 + 1) * dn;
            float *et = es + (t - t0) * dn;
            for (int64_t c = 0; c < d; c++) {
              const float dt = to_delta(raw_delta(a, xt, c), a->delta_softplus);
              dts[(t - t0) * d + c] = dt;
              const float dtu = dt * a->u[xt + c];
              const float *Ac = a->A + c * n;
#pragma omp simd
              for (int64_t j = 0; j < n; j++) {
                const float e = fast_expf(dt * Ac[j]);
                et[c * n + j] = e;
                next[c * n + j] = e * prev[c * n + j] + dtu * Bt[j];
              }
            }
          }
          /* walk it backwards */
          for (int64_t t = t1 - 1; t >= t0; t--) {
            const int64_t xt = (i * l + t) * d;
            const float *Bt = a->B + (i * l + t) * n;
            const float *Ct = a->C + (i * l + t) * n;
            const float *prev = hs + (t - t0) * dn;
            const float *next = prev + dn;
            const float *et = es + (t - t0) * dn;
            memset(gBt, 0, (size_t)n * sizeof(float));
            memset(gCt, 0, (size_t)n * sizeof(float));
            for (int64_t c = 0; c < d; c++) {
              const int64_t hc = c * n;
              const float uc = a->u[xt + c];
              const float dt = dts[(t - t0) * d + c];
              float gy = dy[xt + c];
              if (a->z) {
                float yt = a->D[c] * uc;
#pragma omp simd reduction(+ : yt)
                for (int64_t j = 0; j < n; j++) yt += next[hc + j] * Ct[j];
                const float zc = a->z[xt + c];
                const float s = 1.0f / (1.0f + expf(-zc));
                g->z[xt + c] = gy * yt * s * (1.0f + zc * (1.0f - s));
                gy *= zc * s;
              }
              gD[c] += (double)gy * uc;
              const float dtu = dt * uc;
              const float *Ac = a->A + hc;
              float ddt = 0.0f, sum_gb = 0.0f;
              double *gAc = gA + hc;
              float *ghc = gh + hc;
#pragma omp simd reduction(+ : ddt, sum_gb)
              for (int64_t j = 0; j < n; j++) {
                const float gj = ghc[j] + gy * Ct[j];
                gCt[j] += gy * next[hc + j];
                const float geh = gj * et[hc + j] * prev[hc + j];
                ddt += Ac[j] * geh + gj * Bt[j] * uc;
                gAc[j] += (double)(dt * geh);
                gBt[j] += gj * dtu;
                sum_gb += gj * Bt[j];
                ghc[j] = gj * et[hc + j];
              }
              g->u[xt + c] = gy * a->D[c] + dt * sum_gb;
              const float raw = raw_delta(a, xt, c);
              const float gd = a->delta_softplus && raw <= 20.0f ? ddt / (1.0f + expf(-raw)) : ddt;
              g->delta[xt + c] = gd;
              gBias[c] += gd;
            }
            memcpy(g->B + (i * l + t) * n, gBt, (size_t)n * sizeof(float));
            memcpy(g->C + (i * l + t) * n, gCt, (size_t)n * sizeof(float));
          }
        }
        if (g->h0) memcpy(g->h0 + i * dn, gh, (size_t)dn * sizeof(float));
      }
    }
    free(hs); free(es); free(dts); free(gh); free(gBt); free(gCt);
  }
  if (!failed) {
    for (int64_t k = 0; k < dn; k++) {
      double s = 0;
      for (int t = 0; t < nt; t++) s += sums[t * (dn + 2 * d) + k];
      g->A[k] = (float)s;
    }
    for (int64_t c = 0; c < d; c++) {
      double sd = 0, sb = 0;
      for (int t = 0; t < nt; t++) {
        sd += sums[t * (dn + 2 * d) + dn + c];
        sb += sums[t * (dn + 2 * d) + dn + d + c];
      }
      g->D[c] = (float)sd;
      if (g->delta_bias) g->delta_bias[c] = (float)sb;
    }
  }
  free(sums);
  return failed ? -1 : 0;
}
