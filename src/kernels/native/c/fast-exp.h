/*
 * eˣ in float32 without branches, so that GCC vectorises the loops that call it.
 * Cody–Waite range reduction x = k·ln2 + r (|r| ≤ ln2/2) and the degree-6 Taylor polynomial
 * of eʳ (truncation ≤ r⁷/7! ≈ 1.2e-7 relative), scaled by 2ᵏ built in the exponent bits.
 * Inputs are clamped to [−87, 88] (float32's normal range): below, the result is e^−87 ≈ 1.6e-38
 * instead of a subnormal or 0, which no sum in the scan can tell apart.
 */
#ifndef METEOR_FAST_EXP_H
#define METEOR_FAST_EXP_H

#include <stdint.h>

static inline float fast_expf(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float t = x * 1.44269504088896341f;
  const float kf = (t + 12582912.0f) - 12582912.0f; /* nearest integer: 1.5·2²³ */
  const float r = (x - kf * 0.693359375f) + kf * 2.12194440e-4f;
  const float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666667e-1f + r * (4.1666668e-2f + r * (8.3333338e-3f + r * 1.3888889e-3f)))));
  union { int32_t i; float f; } scale;
  scale.i = ((int32_t)kf + 127) << 23;
  return p * scale.f;
}

#endif
