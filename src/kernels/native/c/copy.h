/*
 * Strided block copies for the layout kernels (Slice, SplitV, Concat): nothing but moves of
 * 4-byte elements (float32 or int32, copied bit for bit).
 *
 * A copy is `rank` nested loops with element counts count[0..rank) and per-axis strides on
 * each side; the innermost axis is contiguous on both sides (stride 1), so each innermost
 * run is one memcpy. Callers collapse axes first (`collapseCopy` in ../layout.ts).
 */
#ifndef METEOR_COPY_H
#define METEOR_COPY_H

#include <stdint.h>

#define COPY_MAX_RANK 8

typedef struct {
  int rank;
  int64_t count[COPY_MAX_RANK];
  /* strides of the outer axes [0, rank − 1), in elements; the innermost is 1 on both sides */
  int64_t src_stride[COPY_MAX_RANK], dst_stride[COPY_MAX_RANK];
  int64_t src_offset, dst_offset;
} copy_args;

/* The largest element index the copy reads (src) or writes (dst), + 1. */
int64_t copy_extent_src(const copy_args *c);
int64_t copy_extent_dst(const copy_args *c);

/* dst[...] = src[...]; rows in parallel on `threads` OpenMP threads above a size threshold. */
void copy_strided(const copy_args *c, const uint32_t *src, uint32_t *dst, int threads);

/* The plain nested loop, one element at a time (reference for tests). */
void copy_strided_naive(const copy_args *c, const uint32_t *src, uint32_t *dst);

/*
 * Gather along one axis: x viewed as [outer, dim, inner], out [outer, nidx, inner],
 * out[o, i, :] = x[o, idx[i], :]. Returns −1, or the position of the first index outside
 * [0, dim) (nothing is written then).
 */
int64_t gather_rows(const uint32_t *x, const int32_t *idx, uint32_t *out, int64_t outer, int64_t dim, int64_t inner, int64_t nidx, int threads);

/* out[segment_ids[i], :] += x[i, :] for i in order (out [segments, k], zeroed first); ids outside
 * [0, segments) are dropped, as TensorFlow's UnsortedSegmentSum does. Rows are added in index
 * order on one thread per column block, so sums do not depend on the thread count. */
void scatter_add_rows(const float *x, const int32_t *segment_ids, float *out, int64_t rows, int64_t k, int64_t segments, int threads);

#endif
