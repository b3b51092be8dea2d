/*
 * The optimizer's kernels for the native addon, each over many tensors in one call.
 *
 *   AdamW (PyTorch's torch.optim.AdamW, decoupled decay), per element of tensor i:
 *     g' = g · gradScale                       (the global-norm clip; 1 when not clipping)
 *     m' = m · β₁ + g' · (1 − β₁)
 *     v' = v · β₂ + g'² · (1 − β₂)
 *     p' = p · decay[i] − (m' / (√(v' / c₂) + ε)) · stepSize      (stepSize = lr / c₁)
 *   with every operation rounded to float32 in this order and no fused multiply-add, so the
 *   result is bit-for-bit the composed tfjs ops' (`src/lib/train/adamw.ts`, the reference).
 *
 *   Global norm  √(Σ_i Σ_j x_ij²), accumulated in float64 over fixed blocks that are added in
 *   order: the result does not depend on the thread count.
 *
 * bufs holds 7 pointers per tensor for AdamW (p, g, m, v, p', m', v') and 1 for the norm.
 */
#ifndef METEOR_OPTIM_H
#define METEOR_OPTIM_H

#include <stdint.h>

typedef struct {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, c2, eps, step_size, grad_scale;
} adamw_scalars;

void adamw_update(int64_t tensors, float *const *bufs, const int64_t *sizes, const float *decay, const adamw_scalars *s, int threads);

/* Returns −1 when out of memory. */
double global_norm(int64_t tensors, const float *const *bufs, const int64_t *sizes, int threads);

#endif
