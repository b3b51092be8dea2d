/*
 * Fused normalisations over the last axis of a [rows, d] row-major matrix, forward and
 * backward, for the native addon.
 *
 *   RMSNorm   y = x · rstd · w,           rstd = 1 / sqrt(mean(x²) + eps)
 *   LayerNorm y = (x − μ) · rstd · w + b, rstd = 1 / sqrt(mean((x − μ)²) + eps)
 *
 * The forward saves rstd (and μ) per row for the backward. Row sums are accumulated in
 * double. Rows go over the cores above a size threshold; the weight (and bias) gradients are
 * summed per fixed block of NORM_BLOCK rows and the blocks added in order, so results do not
 * depend on the thread count.
 */
#ifndef METEOR_NORM_H
#define METEOR_NORM_H

#include <stdint.h>

#define NORM_BLOCK 64

/* y [rows, d], rstd [rows] */
void rmsnorm_forward(const float *x, const float *w, int64_t rows, int64_t d, float eps, float *y, float *rstd, int threads);

/* dx [rows, d], dw [d]. Returns 0, or -1 when out of memory. */
int rmsnorm_backward(const float *dy, const float *x, const float *w, const float *rstd, int64_t rows, int64_t d, float *dx, float *dw, int threads);

/* y [rows, d], mean [rows], rstd [rows] */
void layernorm_forward(const float *x, const float *w, const float *b, int64_t rows, int64_t d, float eps, float *y, float *mean, float *rstd, int threads);

/* dx [rows, d], dw [d], db [d]. Returns 0, or -1 when out of memory. */
int layernorm_backward(const float *dy, const float *x, const float *w, const float *mean, const float *rstd, int64_t rows, int64_t d, float *dx, float *dw, float *db, int threads);

#endif
