#include "sgemm.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__AVX512F__)
#define VW 16
#elif defined(__AVX__)
#define VW 8
#else
#define VW 4
#endif
#define MR 6
#define NR (2 * VW)
#define KC 256
#define MC 96 /* rows of A packed at once (a multiple of MR) */

typedef float vf __attribute__((vector_size(VW * 4)));

static void *alloc64(size_t bytes) {
  void *p = NULL;
  return posix_memalign(&p, 64, bytes ? bytes : 64) == 0 ? p : NULL;
}

/* op(A)[i, p] and op(B)[p, j] of one batch entry */
#define OPA(a, s, i, p) ((s)->trans_a ? (a)[(p) * (s)->m + (i)] : (a)[(i) * (s)->k + (p)])
#define OPB(b, s, p, j) ((s)->trans_b ? (b)[(j) * (s)->k + (p)] : (b)[(p) * (s)->n + (j)])

/* Bp [ceil(n/NR), kc, NR]: columns j of rows p0 … p0+kc−1, zero beyond n. */
static void pack_b(const sgemm_shape *s, const float *b, int64_t p0, int64_t kc, float *bp) {
  const int64_t panels = (s->n + NR - 1) / NR;
  for (int64_t jp = 0; jp < panels; jp++) {
    float *dst = bp + jp * kc * NR;
    const int64_t j0 = jp * NR;
    const int64_t w = s->n - j0 < NR ? s->n - j0 : NR;
    for (int64_t p = 0; p < kc; p++) {
      float *row = dst + p * NR;
      if (!s->trans_b && w == NR) {
        memcpy(row, b + (p0 + p) * s->n + j0, NR * sizeof(float));
      } else {
        int64_t j = 0;
        for (; j < w; j++) row[j] = OPB(b, s, p0 + p, j0 + j);
        for (; j < NR; j++) row[j] = 0.0f;
      }
    }
  }
}

/* Ap [ceil(mc/MR), kc, MR]: rows i0 … i0+mc−1, columns p0 … p0+kc−1, zero beyond m. */
static void pack_a(const sgemm_shape *s, const float *a, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float *ap) {
  const int64_t panels = (mc + MR - 1) / MR;
  for (int64_t ip = 0; ip < panels; ip++) {
    float *dst = ap + ip * kc * MR;
    for (int r = 0; r < MR; r++) {
      const int64_t i = i0 + ip * MR + r;
      if (ip * MR + r < mc) {
        for (int64_t p = 0; p < kc; p++) dst[p * MR + r] = OPA(a, s, i, p0 + p);
      } else {
        for (int64_t p = 0; p < kc; p++) dst[p * MR + r] = 0.0f;
      }
    }
  }
}

/* tile [MR, NR] = Ap-panel · Bp-panel over kc steps */
static inline void micro_kernel(int64_t kc, const float *restrict ap, const float *restrict bp, float *restrict tile) {
  vf c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
  vf c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
  for (int64_t p = 0; p < kc; p++) {
    const vf b0 = *(const vf *)(bp + p * NR);
    const vf b1 = *(const vf *)(bp + p * NR + VW);
    const float *a = ap + p * MR;
    c00 += a[0] * b0; c01 += a[0] * b1;
    c10 += a[1] * b0; c11 += a[1] * b1;
    c20 += a[2] * b0; c21 += a[2] * b1;
    c30 += a[3] * b0; c31 += a[3] * b1;
    c40 += a[4] * b0; c41 += a[4] * b1;
    c50 += a[5] * b0; c51 += a[5] * b1;
  }
  vf *t = (vf *)tile;
  t[0] = c00; t[1] = c01; t[2] = c10; t[3] = c11; t[4] = c20; t[5] = c21;
  t[6] = c30; t[7] = c31; t[8] = c40; t[9] = c41; t[10] = c50; t[11] = c51;
}

/* C rows i0 … i0+mc−1 += op(A) rows · Bp (already packed for p0 … p0+kc−1) */
static void block(const sgemm_shape *s, const float *a, const float *bp, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
                  float *c, float *ap, float *tile) {
  pack_a(s, a, i0, mc, p0, kc, ap);
  const int64_t jpanels = (s->n + NR - 1) / NR;
  const int64_t ipanels = (mc + MR - 1) / MR;
  for (int64_t jp = 0; jp < jpanels; jp++) {
    const int64_t j0 = jp * NR;
    const int64_t w = s->n - j0 < NR ? s->n - j0 : NR;
    for (int64_t ip = 0; ip < ipanels; ip++) {
      micro_kernel(kc, ap + ip * kc * MR, bp + jp * kc * NR, tile);
      const int64_t rows = mc - ip * MR < MR ? mc - ip * MR : MR;
      for (int64_t r = 0; r < rows; r++) {
        float *crow = c + (i0 + ip * MR + r) * s->n + j0;
        const float *trow = tile + r * NR;
        for (int64_t j = 0; j < w; j++) crow[j] += trow[j];
      }
    }
  }
}

/* one product, rows split over `threads` */
static int sgemm_blocked(const sgemm_shape *s, const float *a, const float *b, float *c, int threads);

/* One product. A narrow one (n below a panel, m at least one) runs as Cᵀ = op(B)ᵀ · op(A)ᵀ, so
 * the long side fills the NR-wide panels (n = 20, an attention head, used 20 of 32 lanes), and
 * is transposed into place. */
static int sgemm_one(const sgemm_shape *s, const float *a, const float *b, float *c, int threads) {
  if (!(s->n < NR && s->m >= NR && s->k > 0)) return sgemm_blocked(s, a, b, c, threads);
  sgemm_shape t = *s;
  t.m = s->n, t.n = s->m, t.trans_a = !s->trans_b, t.trans_b = !s->trans_a;
  float *ct = alloc64((size_t)(s->m * s->n) * sizeof(float));
  if (!ct) return -1;
  const int r = sgemm_blocked(&t, b, a, ct, threads);
  for (int64_t i = 0; i < s->m; i++)
    for (int64_t j = 0; j < s->n; j++) c[i * s->n + j] = ct[j * s->m + i];
  free(ct);
  return r;
}

static int sgemm_blocked(const sgemm_shape *s, const float *a, const float *b, float *c, int threads) {
  memset(c, 0, (size_t)(s->m * s->n) * sizeof(float));
  if (s->k == 0 || s->m == 0 || s->n == 0) return 0;
  const int64_t jpanels = (s->n + NR - 1) / NR;
  float *bp = alloc64((size_t)(jpanels * KC * NR) * sizeof(float));
  if (!bp) return -1;
  int failed = 0;
  const int64_t iblocks = (s->m + MC - 1) / MC;
  for (int64_t p0 = 0; p0 < s->k; p0 += KC) {
    const int64_t kc = s->k - p0 < KC ? s->k - p0 : KC;
    pack_b(s, b, p0, kc, bp);
#pragma omp parallel num_threads(threads) if (threads > 1 && iblocks > 1)
    {
      float *ap = alloc64((size_t)(MC * KC) * sizeof(float));
      float *tile = alloc64((size_t)(MR * NR) * sizeof(float));
      if (!ap || !tile) {
#pragma omp atomic write
        failed = 1;
      } else {
#pragma omp for schedule(static)
        for (int64_t ib = 0; ib < iblocks; ib++) {
          const int64_t i0 = ib * MC;
          block(s, a, bp, i0, s->m - i0 < MC ? s->m - i0 : MC, p0, kc, c, ap, tile);
        }
      }
      free(ap);
      free(tile);
    }
    if (failed) break;
  }
  free(bp);
  return failed ? -1 : 0;
}

/* Products below this many multiply-adds run on one thread: waking a second one costs more
 * than it saves, and on a loaded machine a descheduled thread stalls the whole region. */
#define PARALLEL_MIN_MACS (1L << 21)

int sgemm_batched(const sgemm_shape *s, const float *a, const float *b, float *out, int threads) {
  if (threads < 1 || s->batch * s->m * s->n * s->k < PARALLEL_MIN_MACS) threads = 1;
  const int64_t mn = s->m * s->n;
  if (s->batch >= threads && threads > 1) {
    int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t i = 0; i < s->batch; i++) {
      if (sgemm_one(s, a + i * s->stride_a, b + i * s->stride_b, out + i * mn, 1) != 0) {
#pragma omp atomic write
        failed = 1;
      }
    }
    return failed ? -1 : 0;
  }
  for (int64_t i = 0; i < s->batch; i++) {
    if (sgemm_one(s, a + i * s->stride_a, b + i * s->stride_b, out + i * mn, threads) != 0) return -1;
  }
  return 0;
}

void sgemm_naive(const sgemm_shape *s, const float *a, const float *b, float *out) {
  for (int64_t t = 0; t < s->batch; t++) {
    const float *at = a + t * s->stride_a;
    const float *bt = b + t * s->stride_b;
    float *ot = out + t * s->m * s->n;
    for (int64_t i = 0; i < s->m; i++)
      for (int64_t j = 0; j < s->n; j++) {
        double acc = 0;
        for (int64_t p = 0; p < s->k; p++) acc += (double)OPA(at, s, i, p) * OPB(bt, s, p, j);
        ot[i * s->n + j] = (float)acc;
      }
  }
}
