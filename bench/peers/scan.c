/*
 * Peer for `bench/scan.ts`: the selective scan (forward, then backward for dy) as a plain C
 * loop, single-threaded, compiled with -O3 -march=native -ffast-math (which lets GCC vectorise
 * expf through glibc's libmvec: 2.7× faster than without) — the practical ceiling of the
 * sequential algorithm on one core. Written on its own from the recurrence (see
 * src/kernels/selective-scan/declaration.ts): the backward keeps every state of a row
 * ([l + 1, d, n] floats) instead of checkpoints, and uses libm's expf.
 *
 *   cc -O3 -march=native -ffast-math -o scan-peer bench/peers/scan.c -lm
 *   ./scan-peer B L D N REPS   → {"ms": median forward+backward milliseconds, "checksum": …}
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned rng = 1;
static float uni(float lo, float hi) {
  rng = rng * 1664525u + 1013904223u;
  return lo + (hi - lo) * (float)(rng / 4294967296.0);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s B L D N REPS\n", argv[0]);
    return 2;
  }
  const long b = atol(argv[1]), l = atol(argv[2]), d = atol(argv[3]), n = atol(argv[4]);
  const int reps = atoi(argv[5]);
  if (b < 1 || l < 1 || d < 1 || n < 1 || reps < 1 || reps > 100) {
    fprintf(stderr, "scan peer: sizes must be positive, reps 1..100\n");
    return 2;
  }
  const long bld = b * l * d, bln = b * l * n, dn = d * n;
  float *u = malloc(bld * 4), *delta = malloc(bld * 4), *z = malloc(bld * 4), *dy = malloc(bld * 4);
  float *A = malloc(dn * 4), *B = malloc(bln * 4), *C = malloc(bln * 4), *D = malloc(d * 4), *bias = malloc(d * 4);
  float *y = malloc(bld * 4), *gu = malloc(bld * 4), *gdelta = malloc(bld * 4), *gz = malloc(bld * 4);
  float *gB = malloc(bln * 4), *gC = malloc(bln * 4), *gA = malloc(dn * 4), *gD = malloc(d * 4), *gbias = malloc(d * 4);
  float *hs = malloc((l + 1) * dn * 4), *dts = malloc(l * d * 4), *g = malloc(dn * 4);
  if (!u || !delta || !z || !dy || !A || !B || !C || !D || !bias || !y || !gu || !gdelta || !gz || !gB || !gC || !gA || !gD || !gbias || !hs || !dts || !g) {
    fprintf(stderr, "scan peer: out of memory\n");
    return 1;
  }
  for (long i = 0; i < bld; i++) u[i] = uni(-1, 1), delta[i] = uni(-3, 0), z[i] = uni(-2, 2), dy[i] = uni(-1, 1);
  for (long i = 0; i < bln; i++) B[i] = uni(-1, 1), C[i] = uni(-1, 1);
  for (long k = 0; k < dn; k++) A[k] = -(float)(k % n + 1);
  for (long c = 0; c < d; c++) D[c] = uni(-1, 1), bias[c] = uni(-4, -2);

  double times[100];
  double checksum = 0;
  for (int r = 0; r < reps; r++) {
    const double t0 = now_ms();
    memset(gA, 0, dn * 4), memset(gD, 0, d * 4), memset(gbias, 0, d * 4);
    for (long i = 0; i < b; i++) {
      /* forward, keeping every state of the row */
      memset(hs, 0, dn * 4);
      for (long t = 0; t < l; t++) {
        const float *Bt = B + (i * l + t) * n, *Ct = C + (i * l + t) * n;
        const float *prev = hs + t * dn;
        float *next = hs + (t + 1) * dn;
        for (long c = 0; c < d; c++) {
          const long x = (i * l + t) * d + c;
          const float raw = delta[x] + bias[c];
          const float dt = raw > 20 ? raw : log1pf(expf(raw));
          dts[t * d + c] = dt;
          float acc = 0;
          for (long j = 0; j < n; j++) {
            const float h = expf(dt * A[c * n + j]) * prev[c * n + j] + dt * u[x] * Bt[j];
            next[c * n + j] = h;
            acc += h * Ct[j];
          }
          const float yc = acc + D[c] * u[x];
          y[x] = yc * z[x] / (1 + expf(-z[x]));
        }
      }
      /* backward */
      memset(g, 0, dn * 4);
      for (long t = l - 1; t >= 0; t--) {
        const float *Bt = B + (i * l + t) * n, *Ct = C + (i * l + t) * n;
        const float *prev = hs + t * dn, *next = hs + (t + 1) * dn;
        float *gBt = gB + (i * l + t) * n, *gCt = gC + (i * l + t) * n;
        memset(gBt, 0, n * 4), memset(gCt, 0, n * 4);
        for (long c = 0; c < d; c++) {
          const long x = (i * l + t) * d + c;
          const float dt = dts[t * d + c];
          float yc = D[c] * u[x];
          for (long j = 0; j < n; j++) yc += next[c * n + j] * Ct[j];
          const float s = 1 / (1 + expf(-z[x]));
          gz[x] = dy[x] * yc * s * (1 + z[x] * (1 - s));
          const float gy = dy[x] * z[x] * s;
          gD[c] += gy * u[x];
          float ddt = 0, sgb = 0;
          for (long j = 0; j < n; j++) {
            const float e = expf(dt * A[c * n + j]);
            const float gj = g[c * n + j] + gy * Ct[j];
            gCt[j] += gy * next[c * n + j];
            ddt += A[c * n + j] * gj * e * prev[c * n + j] + gj * Bt[j] * u[x];
            gA[c * n + j] += dt * gj * e * prev[c * n + j];
            gBt[j] += gj * dt * u[x];
            sgb += gj * Bt[j];
            g[c * n + j] = gj * e;
          }
          gu[x] = gy * D[c] + dt * sgb;
          const float raw = delta[x] + bias[c];
          gdelta[x] = raw > 20 ? ddt : ddt / (1 + expf(-raw));
          gbias[c] += gdelta[x];
        }
      }
    }
    times[r] = now_ms() - t0;
    checksum = y[bld - 1] + gu[0] + gA[0];
  }
  qsort(times, reps, sizeof times[0], cmp);
  printf("{\"ms\": %.4f, \"checksum\": %.6g}\n", times[(reps - 1) / 2], checksum);
  return 0;
}
