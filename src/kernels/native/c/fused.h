/*
 * Fused element-wise kernels of the model, forward and backward, for the native addon.
 *
 *   SwiGLU         y = silu(a) · b = a·σ(a)·b                         a, b, y [n]
 *   causal softmax p = softmax(s·scale + causal mask) over the last axis of [rows, t]; row r
 *                  is query i = r mod l of l new queries after `past` cached keys and sees keys
 *                  j ≤ past + i (the others get probability exactly 0)
 *   rotary         y = x·cos + rotate_half(x)·sin over x [rows, hd], row r at position r mod l of
 *                  the tables cos, sin [l, hd] (rotate_half([x₁, x₂]) = [−x₂, x₁]); its backward
 *                  dx = dy·cos + [dy₂·sin₂, −dy₁·sin₁] (halves of the head dimension)
 *   cross-entropy  loss = −(1/count) Σ_{r: target_r ≥ 0} log softmax(logits_r)[target_r]
 *                  over logits [rows, v]; the forward saves each row's log-sum-exp
 *
 * Exponentials are `fast_expf` (fast-exp.h, vectorised). Rows (elements) go over the cores
 * above a size threshold; every output element is written by one thread with a fixed order of
 * operations, so results do not depend on the thread count.
 * The cross-entropy's sum over rows is taken in row order on one thread.
 */
#ifndef METEOR_FUSED_H
#define METEOR_FUSED_H

#include <stdint.h>

void swiglu_forward(const float *a, const float *b, float *y, int64_t n, int threads);
/* da, db from dy */
void swiglu_backward(const float *a, const float *b, const float *dy, float *da, float *db, int64_t n, int threads);

void causal_softmax_forward(const float *s, float *p, int64_t rows, int64_t l, int64_t t, int64_t past, float scale, int threads);
/* ds = scale · p ⊙ (dp − Σ_j dp·p) (0 where the mask hid the key) */
void causal_softmax_backward(const float *p, const float *dp, float *ds, int64_t rows, int64_t l, int64_t t, int64_t past, float scale, int threads);

/* Rounds as the composed ops do (no fused multiply-add): y₁ = x₁·c₁ + (−x₂)·s₁, y₂ = x₂·c₂ + x₁·s₂. */
void rope_forward(const float *x, const float *cos, const float *sin, float *y, int64_t rows, int64_t l, int64_t hd, int threads);
void rope_backward(const float *dy, const float *cos, const float *sin, float *dx, int64_t rows, int64_t l, int64_t hd, int threads);

/* loss [1], lse [rows]; targets −1 are ignored; `count` = targets ≥ 0 (> 0). */
void cross_entropy_forward(const float *logits, const int32_t *targets, int64_t rows, int64_t v, float *loss, float *lse, int threads);
/* dlogits = dloss/count · (softmax − onehot) on target rows, 0 on ignored rows */
void cross_entropy_backward(const float *logits, const int32_t *targets, const float *lse, float dloss, int64_t rows, int64_t v, float *dlogits, int threads);

#endif
