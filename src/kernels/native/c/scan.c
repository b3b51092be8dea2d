#include "scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "fast-exp.h"

/*
 * Layout of the work: channels in tiles of VL (one AVX-512 vector of float32), the state of a
 * tile held as [n, VL] (state lane outer, channel inner), so that every inner loop runs over
 * VL channels with full vectors whatever n is, and Δ, its softplus and the gate are computed
 * for VL channels at once. A (row, tile) pair is one unit of work: it walks all l steps of
 * its channels, independent of every other pair except for ∂B and ∂C (sums over channels).
 * The checkpoints keep the documented [b, nChunks, d, n] layout.
 */
#define VL 16

static int64_t row_length(const scan_args *a, int64_t i) {
  if (!a->lengths) return a->l;
  const int64_t len = a->lengths[i];
  return len < 0 ? 0 : len > a->l ? a->l : len;
}

/*
 * softplus(x) = max(x, 0) + log1p(e^−|x|), linear above 20 as torch. log1p(v) for v ∈ (0, 1]
 * is 2·atanh(s), s = v / (2 + v) ≤ 1/3, by its odd series to s¹³ (truncation ≤ 1e-8 relative);
 * with fast_expf the whole is within 4e-7 relative of log1p(eˣ) (measured over [−60, 30]). Branch-free, so it
 * vectorises.
 */
static inline float fast_softplusf(float x) {
  const float v = fast_expf(-fabsf(x));
  const float s = v / (2.0f + v);
  const float s2 = s * s;
  const float p = 1.0f + s2 * (0.33333334f + s2 * (0.2f + s2 * (0.14285715f + s2 * (0.11111111f + s2 * (0.09090909f + s2 * 0.07692308f)))));
  const float sp = fmaxf(x, 0.0f) + 2.0f * s * p;
  return x > 20.0f ? x : sp;
}

static inline float fast_sigmoidf(float x) { return 1.0f / (1.0f + fast_expf(-x)); }

/* w ≤ VL floats between a row of the tensors and a tile's lanes (a constant size when full, so it compiles to one move). */
static inline void get_lanes(float *restrict lanes, const float *restrict src, int w) {
  if (w == VL) memcpy(lanes, src, VL * sizeof(float));
  else memcpy(lanes, src, (size_t)w * sizeof(float));
}
static inline void put_lanes(float *restrict dst, const float *restrict lanes, int w) {
  if (w == VL) memcpy(dst, lanes, VL * sizeof(float));
  else memcpy(dst, lanes, (size_t)w * sizeof(float));
}

/* Σ of VL lanes as a tree (halves, then quarters) in vector registers (GCC/Clang vector types), where a reduction loop adds them one by one. */
typedef float half_vec __attribute__((vector_size(VL / 2 * sizeof(float))));
typedef float quarter_vec __attribute__((vector_size(VL / 4 * sizeof(float))));
_Static_assert(VL / 4 == 4, "lane_sum ends with four quarters");
static inline float lane_sum(const float *v) {
  half_vec lo, hi;
  memcpy(&lo, v, sizeof lo);
  memcpy(&hi, v + VL / 2, sizeof hi);
  const half_vec h = lo + hi;
  quarter_vec a, b;
  memcpy(&a, &h, sizeof a);
  memcpy(&b, (const float *)&h + VL / 4, sizeof b);
  const quarter_vec q = a + b;
  return (q[0] + q[2]) + (q[1] + q[3]);
}

/* A tile of channels: where it starts, how wide it is, and its channels' constants. */
typedef struct {
  int64_t c0;
  int w;                 /* channels in this tile (VL but in the last) */
  float bias[VL], D[VL]; /* Δ bias (0 when absent) and D of the tile's channels */
} tile_info;

static void tile_setup(const scan_args *a, int64_t k, tile_info *ti, float *At /* [n, VL] */) {
  const int64_t n = a->n;
  ti->c0 = k * VL;
  ti->w = (int)(a->d - ti->c0 < VL ? a->d - ti->c0 : VL);
  memset(ti->bias, 0, sizeof ti->bias);
  memset(ti->D, 0, sizeof ti->D);
  memset(At, 0, (size_t)(n * VL) * sizeof(float));
  for (int c = 0; c < ti->w; c++) {
    if (a->delta_bias) ti->bias[c] = a->delta_bias[ti->c0 + c];
    ti->D[c] = a->D[ti->c0 + c];
    for (int64_t j = 0; j < n; j++) At[j * VL + c] = a->A[(ti->c0 + c) * n + j];
  }
}

/* [d, n] state at channel c0 ⇄ a tile's [n, VL] lanes (lanes past w stay zero). */
static void state_to_lanes(float *restrict lanes, const float *restrict src, const tile_info *ti, int64_t n) {
  memset(lanes, 0, (size_t)(n * VL) * sizeof(float));
  if (!src) return;
  for (int c = 0; c < ti->w; c++)
    for (int64_t j = 0; j < n; j++) lanes[j * VL + c] = src[(ti->c0 + c) * n + j];
}
static void lanes_to_state(float *restrict dst, const float *restrict lanes, const tile_info *ti, int64_t n) {
  for (int c = 0; c < ti->w; c++)
    for (int64_t j = 0; j < n; j++) dst[(ti->c0 + c) * n + j] = lanes[j * VL + c];
}

/* Δ (and, for the backward, ∂Δ/∂raw) of one step's tile from delta [.., d] at xt. */
static inline void tile_delta(const scan_args *a, const tile_info *ti, int64_t xt, float *restrict dt, float *restrict slope) {
  float raw[VL] = {0};
  get_lanes(raw, a->delta + xt, ti->w);
#pragma omp simd
  for (int c = 0; c < VL; c++) raw[c] += ti->bias[c];
  if (!a->delta_softplus) {
    memcpy(dt, raw, sizeof raw);
    if (slope)
      for (int c = 0; c < VL; c++) slope[c] = 1.0f;
    return;
  }
#pragma omp simd
  for (int c = 0; c < VL; c++) dt[c] = fast_softplusf(raw[c]);
  if (slope) {
#pragma omp simd
    for (int c = 0; c < VL; c++) slope[c] = raw[c] > 20.0f ? 1.0f : fast_sigmoidf(raw[c]);
  }
}

/* Scans below this many state updates (b·l·d·n) run on one thread (see sgemm.c). */
#define PARALLEL_MIN_UPDATES (1L << 20)

static int thread_count(const scan_args *a, int threads, int64_t items) {
  if (a->b * a->l * a->d * a->n < PARALLEL_MIN_UPDATES || threads < 1) return 1;
  return items < threads ? (int)items : threads;
}

static int64_t tile_count(const scan_args *a) { return (a->d + VL - 1) / VL; }

/* 64-byte aligned scratch (never of size 0: a zero dimension still gets a pointer). */
static void *scratch_alloc(size_t bytes) { return aligned_alloc(64, (bytes / 64 + 1) * 64); }

/* Forward of one (row i, tile): y, the tile's checkpoints and last state. */
static void forward_tile(const scan_args *a, int64_t i, const tile_info *ti, const float *restrict At, float *restrict h, float *y, float *last_state, float *checkpoints) {
  const int64_t l = a->l, d = a->d, n = a->n, dn = d * n;
  const int64_t chunks = (l + a->chunk - 1) / a->chunk;
  const int64_t len = row_length(a, i);
  const int w = ti->w;
  state_to_lanes(h, a->h0 ? a->h0 + i * dn : NULL, ti, n);
  float dt[VL], u[VL] = {0}, z[VL] = {0}, dtu[VL], acc[VL];
  for (int64_t t = 0; t < l; t++) {
    if (t % a->chunk == 0) lanes_to_state(checkpoints + (i * chunks + t / a->chunk) * dn, h, ti, n);
    const int64_t xt = (i * l + t) * d + ti->c0;
    if (t >= len) { /* padding: y is 0, the state is carried */
      memset(y + xt, 0, (size_t)w * sizeof(float));
      continue;
    }
    tile_delta(a, ti, xt, dt, NULL);
    get_lanes(u, a->u + xt, w);
    const float *Bt = a->B + (i * l + t) * n;
    const float *Ct = a->C + (i * l + t) * n;
#pragma omp simd
    for (int c = 0; c < VL; c++) {
      dtu[c] = dt[c] * u[c];
      acc[c] = ti->D[c] * u[c];
    }
    for (int64_t j = 0; j < n; j++) {
      const float bj = Bt[j], cj = Ct[j];
      float *hj = h + j * VL;
      const float *Aj = At + j * VL;
#pragma omp simd
      for (int c = 0; c < VL; c++) {
        const float hv = fast_expf(dt[c] * Aj[c]) * hj[c] + dtu[c] * bj;
        hj[c] = hv;
        acc[c] += hv * cj;
      }
    }
    if (a->z) {
      get_lanes(z, a->z + xt, w);
#pragma omp simd
      for (int c = 0; c < VL; c++) acc[c] *= z[c] * fast_sigmoidf(z[c]);
    }
    put_lanes(y + xt, acc, w);
  }
  lanes_to_state(last_state + i * dn, h, ti, n);
}

int scan_forward(const scan_args *a, float *y, float *last_state, float *checkpoints, int threads) {
  const int64_t n = a->n, tiles = tile_count(a), items = a->b * tiles;
  const int nt = thread_count(a, threads, items);
  int failed = 0;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    float *scratch = scratch_alloc((size_t)(2 * n * VL) * sizeof(float));
    if (!scratch) {
#pragma omp atomic write
      failed = 1;
    } else {
      float *At = scratch, *h = scratch + n * VL; /* [n, VL] each */
      int64_t tile = -1;
      tile_info ti;
#pragma omp for schedule(dynamic, 1)
      for (int64_t it = 0; it < items; it++) {
        if (it % tiles != tile) tile_setup(a, tile = it % tiles, &ti, At);
        forward_tile(a, it / tiles, &ti, At, h, y, last_state, checkpoints);
      }
    }
    free(scratch);
  }
  return failed ? -1 : 0;
}

/* A thread's scratch for the backward: [n, VL] A and ∂L/∂h, the replayed chunk, float64 ∂A of the tile. */
typedef struct {
  float *At, *gh;
  float *hs;    /* [span + 1, n, VL]: hs[s + 1] = h_{t0 + s} */
  float *es;    /* [span, n, VL]: e^{ΔA} */
  float *dts;   /* [span, VL] Δ */
  float *slope; /* [span, VL] ∂Δ/∂raw */
  double *gA;   /* [n, VL] */
} bwd_scratch;

/* Replays steps t0 … t1 − 1 of a (row, tile) from hs[0]. */
static void replay_chunk(const scan_args *a, int64_t i, const tile_info *ti, int64_t t0, int64_t t1, const bwd_scratch *s) {
  const int64_t l = a->l, d = a->d, n = a->n, nv = n * VL;
  float u[VL] = {0}, dtu[VL];
  for (int64_t t = t0; t < t1; t++) {
    const int64_t xt = (i * l + t) * d + ti->c0;
    float *dt = s->dts + (t - t0) * VL;
    tile_delta(a, ti, xt, dt, s->slope + (t - t0) * VL);
    get_lanes(u, a->u + xt, ti->w);
#pragma omp simd
    for (int c = 0; c < VL; c++) dtu[c] = dt[c] * u[c];
    const float *Bt = a->B + (i * l + t) * n;
    const float *prev = s->hs + (t - t0) * nv;
    float *next = s->hs + (t - t0 + 1) * nv;
    float *et = s->es + (t - t0) * nv;
    for (int64_t j = 0; j < n; j++) {
      const float bj = Bt[j];
      const float *Aj = s->At + j * VL;
#pragma omp simd
      for (int c = 0; c < VL; c++) {
        const float e = fast_expf(dt[c] * Aj[c]);
        et[j * VL + c] = e;
        next[j * VL + c] = e * prev[j * VL + c] + dtu[c] * bj;
      }
    }
  }
}

/* Walks steps t1 − 1 … t0 of a (row, tile) backwards: ∂u, ∂Δ, ∂z of its channels, its share of ∂B, ∂C, and the float64 sums. */
static void walk_chunk(const scan_args *a, int64_t i, const tile_info *ti, int64_t t0, int64_t t1, const float *dy, scan_grads *g, float *gB, float *gC,
                       const bwd_scratch *s, double *restrict gD, double *restrict gBias) {
  const int64_t l = a->l, d = a->d, n = a->n, nv = n * VL;
  const int w = ti->w;
  float u[VL] = {0}, gy[VL] = {0}, z[VL] = {0}, dtu[VL], ddt[VL], sgb[VL], out[VL];
  for (int64_t t = t1 - 1; t >= t0; t--) {
    const int64_t xt = (i * l + t) * d + ti->c0;
    const float *Bt = a->B + (i * l + t) * n;
    const float *Ct = a->C + (i * l + t) * n;
    const float *prev = s->hs + (t - t0) * nv;
    const float *next = prev + nv;
    const float *et = s->es + (t - t0) * nv;
    const float *dt = s->dts + (t - t0) * VL;
    get_lanes(u, a->u + xt, w);
    get_lanes(gy, dy + xt, w);
    if (a->z) {
      float yt[VL];
#pragma omp simd
      for (int c = 0; c < VL; c++) yt[c] = ti->D[c] * u[c];
      for (int64_t j = 0; j < n; j++) {
        const float cj = Ct[j];
#pragma omp simd
        for (int c = 0; c < VL; c++) yt[c] += next[j * VL + c] * cj;
      }
      get_lanes(z, a->z + xt, w);
#pragma omp simd
      for (int c = 0; c < VL; c++) {
        const float sz = fast_sigmoidf(z[c]);
        out[c] = gy[c] * yt[c] * sz * (1.0f + z[c] * (1.0f - sz));
        gy[c] *= z[c] * sz;
      }
      put_lanes(g->z + xt, out, w);
    }
#pragma omp simd
    for (int c = 0; c < VL; c++) {
      gD[c] += (double)gy[c] * u[c];
      dtu[c] = dt[c] * u[c];
      ddt[c] = 0.0f;
      sgb[c] = 0.0f;
    }
    float *gBt = gB + (i * l + t) * n, *gCt = gC + (i * l + t) * n;
    for (int64_t j = 0; j < n; j++) {
      const float bj = Bt[j], cj = Ct[j];
      const float *Aj = s->At + j * VL, *ej = et + j * VL, *pj = prev + j * VL, *nj = next + j * VL;
      float *ghj = s->gh + j * VL;
      double *gAj = s->gA + j * VL;
      float pc[VL], pb[VL];
#pragma omp simd
      for (int c = 0; c < VL; c++) {
        const float gj = ghj[c] + gy[c] * cj;
        pc[c] = gy[c] * nj[c];
        const float geh = gj * ej[c] * pj[c];
        ddt[c] += Aj[c] * geh;
        gAj[c] += (double)(dt[c] * geh);
        pb[c] = gj * dtu[c];
        sgb[c] += gj * bj;
        ghj[c] = gj * ej[c];
      }
      gCt[j] += lane_sum(pc);
      gBt[j] += lane_sum(pb);
    }
#pragma omp simd
    for (int c = 0; c < VL; c++) out[c] = gy[c] * ti->D[c] + dt[c] * sgb[c];
    put_lanes(g->u + xt, out, w);
    const float *slope = s->slope + (t - t0) * VL;
#pragma omp simd
    for (int c = 0; c < VL; c++) {
      out[c] = (ddt[c] + sgb[c] * u[c]) * slope[c];
      gBias[c] += (double)out[c];
    }
    put_lanes(g->delta + xt, out, w);
  }
}

/* Backward of one (row i, tile): every step of its channels, chunk by chunk from the last; its float64 sums go to the row's share of row_sums. */
static void backward_tile(const scan_args *a, int64_t i, const tile_info *ti, const float *checkpoints, const float *dy, const float *d_last, scan_grads *g,
                          float *gB, float *gC, const bwd_scratch *s, double *row_sums) {
  const int64_t l = a->l, d = a->d, n = a->n, dn = d * n;
  const int64_t chunks = (l + a->chunk - 1) / a->chunk;
  const int64_t len = row_length(a, i);
  const int w = ti->w;
  state_to_lanes(s->gh, d_last ? d_last + i * dn : NULL, ti, n);
  memset(s->gA, 0, (size_t)(n * VL) * sizeof(double));
  double gD[VL] = {0}, gBias[VL] = {0};
  for (int64_t t = len; t < l; t++) { /* padding: no gradient */
    const int64_t xt = (i * l + t) * d + ti->c0;
    memset(g->u + xt, 0, (size_t)w * sizeof(float));
    memset(g->delta + xt, 0, (size_t)w * sizeof(float));
    if (g->z) memset(g->z + xt, 0, (size_t)w * sizeof(float));
  }
  for (int64_t chunk = chunks - 1; chunk >= 0; chunk--) {
    const int64_t t0 = chunk * a->chunk;
    const int64_t t1 = t0 + a->chunk < len ? t0 + a->chunk : len;
    if (t1 <= t0) continue;
    state_to_lanes(s->hs, checkpoints + (i * chunks + chunk) * dn, ti, n);
    replay_chunk(a, i, ti, t0, t1, s);
    walk_chunk(a, i, ti, t0, t1, dy, g, gB, gC, s, gD, gBias);
  }
  if (g->h0) lanes_to_state(g->h0 + i * dn, s->gh, ti, n);
  double *gA_row = row_sums, *gD_row = gA_row + dn, *gBias_row = gD_row + d; /* this row's [d, n], [d], [d] */
  for (int c = 0; c < w; c++) {
    for (int64_t j = 0; j < n; j++) gA_row[(ti->c0 + c) * n + j] = s->gA[j * VL + c];
    gD_row[ti->c0 + c] = gD[c];
    gBias_row[ti->c0 + c] = gBias[c];
  }
}

/*
 * Work items are rows, or, when there are fewer rows than threads, (row, range of tiles) pairs. An
 * item owns its row's ∂B and ∂C (the first range writes them, range r > 0 its own [b, l, n] copy,
 * added in range order at the end), and every row keeps its float64 sums of dA, dD, dΔbias apart,
 * summed over rows in order at the end: the gradients do not depend on which thread ran what, so
 * the items are handed out dynamically (a busy core does not hold the other back).
 */
int scan_backward(const scan_args *a, const float *checkpoints, const float *dy, const float *d_last, scan_grads *g, int threads) {
  const int64_t b = a->b, l = a->l, d = a->d, n = a->n, dn = d * n, bln = b * l * n;
  const int64_t tiles = tile_count(a);
  const int nt = thread_count(a, threads, b * tiles);
  const int64_t ranges = b >= nt ? 1 : nt, items = b * ranges;
  const int64_t span = a->chunk < l ? a->chunk : l;
  const int64_t per = dn + 2 * d; /* a row's sums: dA [d, n], dD [d], dΔbias [d] */
  double *sums = calloc((size_t)(b * per + 1), sizeof(double));
  float *partial = ranges > 1 ? calloc((size_t)(2 * (ranges - 1) * bln), sizeof(float)) : NULL;
  if (!sums || (ranges > 1 && !partial)) {
    free(sums);
    free(partial);
    return -1;
  }
  memset(g->B, 0, (size_t)bln * sizeof(float));
  memset(g->C, 0, (size_t)bln * sizeof(float));
  int failed = 0;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int64_t nv = n * VL;
    bwd_scratch s;
    float *fs = scratch_alloc((size_t)(2 * nv + (2 * span + 1) * nv + 2 * span * VL) * sizeof(float));
    s.gA = scratch_alloc((size_t)nv * sizeof(double));
    if (!fs || !s.gA) {
#pragma omp atomic write
      failed = 1;
    } else {
      s.At = fs;
      s.gh = s.At + nv;
      s.hs = s.gh + nv;
      s.es = s.hs + (span + 1) * nv;
      s.dts = s.es + span * nv;
      s.slope = s.dts + span * VL;
      tile_info ti;
#pragma omp for schedule(dynamic, 1)
      for (int64_t it = 0; it < items; it++) {
        const int64_t i = it / ranges, r = it % ranges;
        float *gB = r == 0 ? g->B : partial + (r - 1) * 2 * bln;
        float *gC = r == 0 ? g->C : gB + bln;
        for (int64_t k = r * tiles / ranges; k < (r + 1) * tiles / ranges; k++) {
          tile_setup(a, k, &ti, s.At);
          backward_tile(a, i, &ti, checkpoints, dy, d_last, g, gB, gC, &s, sums + i * per);
        }
      }
    }
    free(fs);
    free(s.gA);
  }
  if (!failed) {
    for (int64_t r = 1; r < ranges; r++) {
      const float *pB = partial + (r - 1) * 2 * bln, *pC = pB + bln;
      for (int64_t k = 0; k < bln; k++) {
        g->B[k] += pB[k];
        g->C[k] += pC[k];
      }
    }
    for (int64_t k = 0; k < dn; k++) {
      double s = 0;
      for (int64_t i = 0; i < b; i++) s += sums[i * per + k];
      g->A[k] = (float)s;
    }
    for (int64_t c = 0; c < d; c++) {
      double sd = 0, sb = 0;
      for (int64_t i = 0; i < b; i++) {
        sd += sums[i * per + dn + c];
        sb += sums[i * per + dn + d + c];
      }
      g->D[c] = (float)sd;
      if (g->delta_bias) g->delta_bias[c] = (float)sb;
    }
  }
  free(sums);
  free(partial);
  return failed ? -1 : 0;
}
