/*
 * The Mamba block's causal depthwise conv1d with its SiLU, fused, forward and backward.
 *
 *   x    [b, l + k − 1, e]  the input with its k − 1 rows of conv state (or zeros) in front
 *   w    [e, k]             per-channel taps (the conv1d weight [e, 1, k] of mamba_ssm)
 *   bias [e]
 *   pre[i, t, c] = (Σ_{j<k} x[i, t + j, c] · w[c, j]) + bias[c]     (summed in j order)
 *   y = silu(pre) = pre · σ(pre)                                      y, pre [b, l, e]
 *
 * Backward from dy and the saved pre: g = dy · σ(pre) · (1 + pre · (1 − σ(pre))), then
 *   dx[i, s, c] = Σ_j g[i, s − j, c] · w[c, j]    (0 ≤ s − j < l)
 *   dw[c, j]    = Σ_{i,t} g[i, t, c] · x[i, t + j, c]
 *   dbias[c]    = Σ_{i,t} g[i, t, c]
 * dw and dbias are summed in float64 by channel blocks, each over all rows in order: the
 * results do not depend on the thread count.
 */
#ifndef METEOR_CONV_H
#define METEOR_CONV_H

#include <stdint.h>

/* Both return non-zero when out of memory (nothing written then is meaningful). */
int conv_silu_forward(const float *x, const float *w, const float *bias, int64_t b, int64_t l, int64_t e, int64_t k, float *y, float *pre, int threads);

int conv_silu_backward(const float *dy, const float *x, const float *w, const float *pre, int64_t b, int64_t l, int64_t e, int64_t k,
                       float *dx, float *dw, float *dbias, int threads);

#endif
