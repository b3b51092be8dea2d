/* Strided block copies (see copy.h). */
#include "copy.h"

#include <string.h>

/* Below this many elements a copy runs on one thread: forking costs more than it saves. */
#define COPY_PARALLEL_MIN (1 << 16)

static int64_t extent(const copy_args *c, const int64_t *stride, int64_t offset) {
  int64_t last = offset;
  for (int a = 0; a < c->rank; a++) {
    if (c->count[a] == 0) return 0;
    last += (c->count[a] - 1) * (a == c->rank - 1 ? 1 : stride[a]);
  }
  return last + 1;
}

int64_t copy_extent_src(const copy_args *c) { return extent(c, c->src_stride, c->src_offset); }
int64_t copy_extent_dst(const copy_args *c) { return extent(c, c->dst_stride, c->dst_offset); }

/* Offsets of outer row `row` (a flat index over axes [0, rank − 1)). */
static void row_offsets(const copy_args *c, int64_t row, int64_t *src, int64_t *dst) {
  int64_t s = c->src_offset, d = c->dst_offset;
  for (int a = c->rank - 2; a >= 0; a--) {
    const int64_t i = row % c->count[a];
    row /= c->count[a];
    s += i * c->src_stride[a];
    d += i * c->dst_stride[a];
  }
  *src = s;
  *dst = d;
}

void copy_strided(const copy_args *c, const uint32_t *src, uint32_t *dst, int threads) {
  if (c->rank < 1) return;
  const int64_t inner = c->count[c->rank - 1];
  int64_t rows = 1;
  for (int a = 0; a < c->rank - 1; a++) rows *= c->count[a];
  if (rows == 0 || inner == 0) return;
  const size_t bytes = (size_t)inner * sizeof(uint32_t);
  const int par = rows > 1 && rows * inner >= COPY_PARALLEL_MIN ? threads : 1;
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    int64_t s, d;
    row_offsets(c, r, &s, &d);
    memcpy(dst + d, src + s, bytes);
  }
}

void copy_strided_naive(const copy_args *c, const uint32_t *src, uint32_t *dst) {
  int64_t total = 1;
  for (int a = 0; a < c->rank; a++) total *= c->count[a];
  for (int64_t e = 0; e < total; e++) {
    int64_t rest = e, s = c->src_offset, d = c->dst_offset;
    for (int a = c->rank - 1; a >= 0; a--) {
      const int64_t i = rest % c->count[a];
      rest /= c->count[a];
      s += i * (a == c->rank - 1 ? 1 : c->src_stride[a]);
      d += i * (a == c->rank - 1 ? 1 : c->dst_stride[a]);
    }
    dst[d] = src[s];
  }
}

int64_t gather_rows(const uint32_t *x, const int32_t *idx, uint32_t *out, int64_t outer, int64_t dim, int64_t inner, int64_t nidx, int threads) {
  for (int64_t i = 0; i < nidx; i++)
    if (idx[i] < 0 || idx[i] >= dim) return i;
  const int64_t rows = outer * nidx;
  const size_t bytes = (size_t)inner * sizeof(uint32_t);
  const int par = rows > 1 && rows * inner >= COPY_PARALLEL_MIN ? threads : 1;
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t r = 0; r < rows; r++) {
    const int64_t o = r / nidx, i = r % nidx;
    memcpy(out + r * inner, x + (o * dim + idx[i]) * inner, bytes);
  }
  return -1;
}

void scatter_add_rows(const float *x, const int32_t *segment_ids, float *out, int64_t rows, int64_t k, int64_t segments, int threads) {
  memset(out, 0, (size_t)(segments * k) * sizeof(float));
  /* column blocks of 64 over threads: each block sees every row in order */
  const int64_t blocks = (k + 63) / 64;
  const int par = blocks > 1 && rows * k >= (1 << 16) ? threads : 1;
#pragma omp parallel for num_threads(par) schedule(static) if (par > 1)
  for (int64_t blk = 0; blk < blocks; blk++) {
    const int64_t c0 = blk * 64, c1 = c0 + 64 < k ? c0 + 64 : k;
    for (int64_t i = 0; i < rows; i++) {
      const int32_t s = segment_ids[i];
      if (s < 0 || s >= segments) continue;
      const float *xr = x + i * k;
      float *orow = out + (int64_t)s * k;
#pragma omp simd
      for (int64_t c = c0; c < c1; c++) orow[c] += xr[c];
    }
  }
}
