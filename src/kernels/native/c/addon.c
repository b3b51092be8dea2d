/*
 * N-API glue of the native kernels: checks every argument (type and length against the
 * sizes given) and calls the C kernels. No math here. Every function throws a JS TypeError
 * or RangeError naming the bad argument rather than touching memory it was not given.
 */
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "conv.h"
#include "copy.h"
#include "fused.h"
#include "norm.h"
#include "optim.h"
#include "scan.h"
#include "sgemm.h"

static int g_threads = 1;

#define CHECK(call)                                              \
  do {                                                           \
    if ((call) != napi_ok) {                                     \
      napi_throw_error(env, NULL, "meteor native: " #call " failed"); \
      return NULL;                                               \
    }                                                            \
  } while (0)

static int fail(napi_env env, const char *what, int index) {
  char msg[160];
  snprintf(msg, sizeof msg, "meteor native: argument %d: %s", index, what);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

/* argv[i] as a typed array of `type` with at least `need` elements; `optional` allows null/undefined (→ *out = NULL). */
static int typed(napi_env env, napi_value v, int index, napi_typedarray_type type, int64_t need, int optional, void **out) {
  napi_valuetype vt;
  if (napi_typeof(env, v, &vt) != napi_ok) return fail(env, "unreadable", index);
  if (optional && (vt == napi_null || vt == napi_undefined)) {
    *out = NULL;
    return 1;
  }
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) return fail(env, "expected a typed array", index);
  napi_typedarray_type t;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, v, &t, &length, &data, NULL, NULL) != napi_ok) return fail(env, "unreadable typed array", index);
  if (t != type) return fail(env, type == napi_int32_array ? "expected an Int32Array" : "expected a Float32Array", index);
  if ((int64_t)length < need) return fail(env, "typed array shorter than its shape", index);
  *out = data;
  return 1;
}

static int integer(napi_env env, napi_value v, int index, int64_t *out) {
  double x;
  if (napi_get_value_double(env, v, &x) != napi_ok || x != x || x < 0 || x > 9007199254740991.0 || (double)(int64_t)x != x) {
    return fail(env, "expected a non-negative integer", index);
  }
  *out = (int64_t)x;
  return 1;
}

static int number(napi_env env, napi_value v, int index, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok || *out != *out) return fail(env, "expected a number", index);
  return 1;
}

static napi_value out_of_memory(napi_env env) {
  napi_throw_range_error(env, NULL, "meteor native: out of memory");
  return NULL;
}

/* matmul(a, b, out, batch, m, k, n, transA, transB, strideA, strideB) */
static napi_value matmul(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 11) {
    napi_throw_type_error(env, NULL, "meteor native: matmul takes 11 arguments");
    return NULL;
  }
  int64_t dims[8];
  for (int i = 0; i < 8; i++)
    if (!integer(env, argv[3 + i], 3 + i, &dims[i])) return NULL;
  sgemm_shape s = {dims[0], dims[1], dims[2], dims[3], (int)(dims[4] != 0), (int)(dims[5] != 0), dims[6], dims[7]};
  const int64_t mk = s.m * s.k, kn = s.k * s.n;
  const int64_t need_a = s.batch == 0 ? 0 : (s.batch - 1) * s.stride_a + mk;
  const int64_t need_b = s.batch == 0 ? 0 : (s.batch - 1) * s.stride_b + kn;
  void *a, *b, *out;
  if (!typed(env, argv[0], 0, napi_float32_array, need_a, 0, &a)) return NULL;
  if (!typed(env, argv[1], 1, napi_float32_array, need_b, 0, &b)) return NULL;
  if (!typed(env, argv[2], 2, napi_float32_array, s.batch * s.m * s.n, 0, &out)) return NULL;
  if (sgemm_batched(&s, a, b, out, g_threads) != 0) return out_of_memory(env);
  return NULL;
}

/* copyStrided(src, dst, meta, naive): meta (Float64Array) = [rank, count × rank, srcStride × (rank − 1),
 * dstStride × (rank − 1), srcOffset, dstOffset]; src and dst are Float32Arrays (int32 storage is
 * passed as a Float32Array view: the copy moves bits). naive ≠ 0 runs the plain reference loop. */
static napi_value copy_fn(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 4) {
    napi_throw_type_error(env, NULL, "meteor native: copyStrided takes 4 arguments");
    return NULL;
  }
  void *metap;
  if (!typed(env, argv[2], 2, napi_float64_array, 1, 0, &metap)) return NULL;
  const double *meta = metap;
  copy_args c;
  c.rank = (int)meta[0];
  if (!(meta[0] >= 1 && meta[0] <= COPY_MAX_RANK)) return fail(env, "rank must be in [1, 8]", 2), NULL;
  if (!typed(env, argv[2], 2, napi_float64_array, 1 + 3 * c.rank - 2 + 2, 0, &metap)) return NULL;
  for (int i = 1; i < 1 + 3 * c.rank; i++)
    if (!(meta[i] >= 0 && meta[i] <= 9007199254740991.0 && meta[i] == (double)(int64_t)meta[i])) return fail(env, "meta holds a negative or non-integer value", 2), NULL;
  for (int a = 0; a < c.rank; a++) c.count[a] = (int64_t)meta[1 + a];
  for (int a = 0; a < c.rank - 1; a++) {
    c.src_stride[a] = (int64_t)meta[1 + c.rank + a];
    c.dst_stride[a] = (int64_t)meta[1 + 2 * c.rank - 1 + a];
  }
  c.src_offset = (int64_t)meta[3 * c.rank - 1];
  c.dst_offset = (int64_t)meta[3 * c.rank];
  int64_t naive;
  if (!integer(env, argv[3], 3, &naive)) return NULL;
  void *src, *dst;
  if (!typed(env, argv[0], 0, napi_float32_array, copy_extent_src(&c), 0, &src)) return NULL;
  if (!typed(env, argv[1], 1, napi_float32_array, copy_extent_dst(&c), 0, &dst)) return NULL;
  if (naive) copy_strided_naive(&c, src, dst);
  else copy_strided(&c, src, dst, g_threads);
  return NULL;
}

static int args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv, const char *name);

/* gatherRows(x, idx, out, outer, dim, inner, nidx): see copy.h; int32 storage passed as Float32Array views. */
static napi_value gather_fn(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int64_t d[4];
  if (!args(env, info, 7, argv, "gatherRows")) return NULL;
  for (int i = 0; i < 4; i++)
    if (!integer(env, argv[3 + i], 3 + i, &d[i])) return NULL;
  void *x, *idx, *out;
  if (!typed(env, argv[0], 0, napi_float32_array, d[0] * d[1] * d[2], 0, &x)) return NULL;
  if (!typed(env, argv[1], 1, napi_int32_array, d[3], 0, &idx)) return NULL;
  if (!typed(env, argv[2], 2, napi_float32_array, d[0] * d[3] * d[2], 0, &out)) return NULL;
  const int64_t bad = gather_rows(x, idx, out, d[0], d[1], d[2], d[3], g_threads);
  if (bad >= 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "GatherV2: the index value %d is not in [0, %lld]", ((const int32_t *)idx)[bad], (long long)(d[1] - 1));
    napi_throw_range_error(env, NULL, msg);
  }
  return NULL;
}

/* scatterAddRows(x, segmentIds, out, rows, k, segments): see copy.h */
static napi_value scatter_fn(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t d[3];
  if (!args(env, info, 6, argv, "scatterAddRows")) return NULL;
  for (int i = 0; i < 3; i++)
    if (!integer(env, argv[3 + i], 3 + i, &d[i])) return NULL;
  void *x, *ids, *out;
  if (!typed(env, argv[0], 0, napi_float32_array, d[0] * d[1], 0, &x)) return NULL;
  if (!typed(env, argv[1], 1, napi_int32_array, d[0], 0, &ids)) return NULL;
  if (!typed(env, argv[2], 2, napi_float32_array, d[2] * d[1], 0, &out)) return NULL;
  scatter_add_rows(x, ids, out, d[0], d[1], d[2], g_threads);
  return NULL;
}

/* Reads argc_expected arguments into argv, or throws naming the function. */
static int args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv, const char *name) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc != expected) {
    char msg[120];
    snprintf(msg, sizeof msg, "meteor native: %s takes %zu arguments", name, expected);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* Float32Array arguments argv[first + i] with need[i] elements each (optional: null allowed) into p[i]. */
static int f32_args(napi_env env, napi_value *argv, int first, int count, const int64_t *need, void **p) {
  for (int i = 0; i < count; i++)
    if (!typed(env, argv[first + i], first + i, napi_float32_array, need[i], 0, &p[i])) return 0;
  return 1;
}

/* rmsnormForward(x, w, y, rstd, rows, d, eps) */
static napi_value rmsnorm_fwd(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int64_t rows, d;
  double eps;
  void *p[4];
  if (!args(env, info, 7, argv, "rmsnormForward") || !integer(env, argv[4], 4, &rows) || !integer(env, argv[5], 5, &d) || !number(env, argv[6], 6, &eps)) return NULL;
  const int64_t need[4] = {rows * d, d, rows * d, rows};
  if (!f32_args(env, argv, 0, 4, need, p)) return NULL;
  rmsnorm_forward(p[0], p[1], rows, d, (float)eps, p[2], p[3], g_threads);
  return NULL;
}

/* rmsnormBackward(dy, x, w, rstd, dx, dw, rows, d) */
static napi_value rmsnorm_bwd(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int64_t rows, d;
  void *p[6];
  if (!args(env, info, 8, argv, "rmsnormBackward") || !integer(env, argv[6], 6, &rows) || !integer(env, argv[7], 7, &d)) return NULL;
  const int64_t need[6] = {rows * d, rows * d, d, rows, rows * d, d};
  if (!f32_args(env, argv, 0, 6, need, p)) return NULL;
  if (rmsnorm_backward(p[0], p[1], p[2], p[3], rows, d, p[4], p[5], g_threads) != 0) return out_of_memory(env);
  return NULL;
}

/* layernormForward(x, w, b, y, mean, rstd, rows, d, eps) */
static napi_value layernorm_fwd(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  int64_t rows, d;
  double eps;
  void *p[6];
  if (!args(env, info, 9, argv, "layernormForward") || !integer(env, argv[6], 6, &rows) || !integer(env, argv[7], 7, &d) || !number(env, argv[8], 8, &eps)) return NULL;
  const int64_t need[6] = {rows * d, d, d, rows * d, rows, rows};
  if (!f32_args(env, argv, 0, 6, need, p)) return NULL;
  layernorm_forward(p[0], p[1], p[2], rows, d, (float)eps, p[3], p[4], p[5], g_threads);
  return NULL;
}

/* layernormBackward(dy, x, w, mean, rstd, dx, dw, db, rows, d) */
static napi_value layernorm_bwd(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  int64_t rows, d;
  void *p[8];
  if (!args(env, info, 10, argv, "layernormBackward") || !integer(env, argv[8], 8, &rows) || !integer(env, argv[9], 9, &d)) return NULL;
  const int64_t need[8] = {rows * d, rows * d, d, rows, rows, rows * d, d, d};
  if (!f32_args(env, argv, 0, 8, need, p)) return NULL;
  if (layernorm_backward(p[0], p[1], p[2], p[3], p[4], rows, d, p[5], p[6], p[7], g_threads) != 0) return out_of_memory(env);
  return NULL;
}

/* swigluForward(a, b, y, n) */
static napi_value swiglu_fwd(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int64_t n;
  void *p[3];
  if (!args(env, info, 4, argv, "swigluForward") || !integer(env, argv[3], 3, &n)) return NULL;
  const int64_t need[3] = {n, n, n};
  if (!f32_args(env, argv, 0, 3, need, p)) return NULL;
  swiglu_forward(p[0], p[1], p[2], n, g_threads);
  return NULL;
}

/* swigluBackward(a, b, dy, da, db, n) */
static napi_value swiglu_bwd(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t n;
  void *p[5];
  if (!args(env, info, 6, argv, "swigluBackward") || !integer(env, argv[5], 5, &n)) return NULL;
  const int64_t need[5] = {n, n, n, n, n};
  if (!f32_args(env, argv, 0, 5, need, p)) return NULL;
  swiglu_backward(p[0], p[1], p[2], p[3], p[4], n, g_threads);
  return NULL;
}

/* causalSoftmaxForward(s, p, rows, l, t, past, scale) */
static napi_value softmax_fwd(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int64_t d[4];
  double scale;
  void *p[2];
  if (!args(env, info, 7, argv, "causalSoftmaxForward")) return NULL;
  for (int i = 0; i < 4; i++)
    if (!integer(env, argv[2 + i], 2 + i, &d[i])) return NULL;
  if (!number(env, argv[6], 6, &scale)) return NULL;
  if (d[1] < 1 || d[0] % d[1] != 0) return fail(env, "rows must be a multiple of l ≥ 1", 3), NULL;
  const int64_t need[2] = {d[0] * d[2], d[0] * d[2]};
  if (!f32_args(env, argv, 0, 2, need, p)) return NULL;
  causal_softmax_forward(p[0], p[1], d[0], d[1], d[2], d[3], (float)scale, g_threads);
  return NULL;
}

/* causalSoftmaxBackward(p, dp, ds, rows, l, t, past, scale) */
static napi_value softmax_bwd(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int64_t d[4];
  double scale;
  void *p[3];
  if (!args(env, info, 8, argv, "causalSoftmaxBackward")) return NULL;
  for (int i = 0; i < 4; i++)
    if (!integer(env, argv[3 + i], 3 + i, &d[i])) return NULL;
  if (!number(env, argv[7], 7, &scale)) return NULL;
  if (d[1] < 1 || d[0] % d[1] != 0) return fail(env, "rows must be a multiple of l ≥ 1", 4), NULL;
  const int64_t need[3] = {d[0] * d[2], d[0] * d[2], d[0] * d[2]};
  if (!f32_args(env, argv, 0, 3, need, p)) return NULL;
  causal_softmax_backward(p[0], p[1], p[2], d[0], d[1], d[2], d[3], (float)scale, g_threads);
  return NULL;
}

/* The cross-entropy's logits [rows, v] (argv[0]) and targets (argv[1], each < v), checked. */
static int ce_inputs(napi_env env, napi_value *argv, int64_t rows, int64_t v, void **logits, const int32_t **targets) {
  void *t;
  if (!typed(env, argv[0], 0, napi_float32_array, rows * v, 0, logits)) return 0;
  if (!typed(env, argv[1], 1, napi_int32_array, rows, 0, &t)) return 0;
  *targets = t;
  for (int64_t r = 0; r < rows; r++)
    if ((*targets)[r] >= v) return fail(env, "a target id is outside the logits' classes", 1);
  return 1;
}

/* crossEntropyForward(logits, targets, loss, lse, rows, v) */
static napi_value ce_fwd(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t rows, v;
  void *logits, *loss, *lse;
  const int32_t *targets;
  if (!args(env, info, 6, argv, "crossEntropyForward") || !integer(env, argv[4], 4, &rows) || !integer(env, argv[5], 5, &v)) return NULL;
  if (!ce_inputs(env, argv, rows, v, &logits, &targets)) return NULL;
  if (!typed(env, argv[2], 2, napi_float32_array, 1, 0, &loss) || !typed(env, argv[3], 3, napi_float32_array, rows, 0, &lse)) return NULL;
  cross_entropy_forward(logits, targets, rows, v, loss, lse, g_threads);
  return NULL;
}

/* crossEntropyBackward(logits, targets, lse, dloss, dlogits, rows, v) */
static napi_value ce_bwd(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int64_t rows, v;
  double dloss;
  void *logits, *lse, *dlogits;
  const int32_t *targets;
  if (!args(env, info, 7, argv, "crossEntropyBackward") || !integer(env, argv[5], 5, &rows) || !integer(env, argv[6], 6, &v) || !number(env, argv[3], 3, &dloss)) return NULL;
  if (!ce_inputs(env, argv, rows, v, &logits, &targets)) return NULL;
  if (!typed(env, argv[2], 2, napi_float32_array, rows, 0, &lse) || !typed(env, argv[4], 4, napi_float32_array, rows * v, 0, &dlogits)) return NULL;
  cross_entropy_backward(logits, targets, lse, (float)dloss, rows, v, dlogits, g_threads);
  return NULL;
}

/* The scan's inputs: (u, delta, A, B, C, D, z?, deltaBias?, h0?, lengths?, b, l, d, n, chunk, softplus) → argv[0..15]. */
static int scan_inputs(napi_env env, napi_value *argv, scan_args *s) {
  int64_t dims[6];
  for (int i = 0; i < 6; i++)
    if (!integer(env, argv[10 + i], 10 + i, &dims[i])) return 0;
  s->b = dims[0], s->l = dims[1], s->d = dims[2], s->n = dims[3], s->chunk = dims[4], s->delta_softplus = dims[5] != 0;
  if (s->chunk < 1) return fail(env, "chunk must be ≥ 1", 14);
  const int64_t bld = s->b * s->l * s->d, bln = s->b * s->l * s->n;
  void *p[10];
  const int64_t need[10] = {bld, bld, s->d * s->n, bln, bln, s->d, bld, s->d, s->b * s->d * s->n, s->b};
  for (int i = 0; i < 10; i++)
    if (!typed(env, argv[i], i, i == 9 ? napi_int32_array : napi_float32_array, need[i], i >= 6, &p[i])) return 0;
  s->u = p[0], s->delta = p[1], s->A = p[2], s->B = p[3], s->C = p[4], s->D = p[5];
  s->z = p[6], s->delta_bias = p[7], s->h0 = p[8], s->lengths = p[9];
  return 1;
}

/* scanForward(...scan inputs, y, lastState, checkpoints) */
static napi_value scan_fwd(napi_env env, napi_callback_info info) {
  size_t argc = 19;
  napi_value argv[19];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 19) {
    napi_throw_type_error(env, NULL, "meteor native: scanForward takes 19 arguments");
    return NULL;
  }
  scan_args s;
  if (!scan_inputs(env, argv, &s)) return NULL;
  const int64_t chunks = (s.l + s.chunk - 1) / s.chunk;
  void *y, *last, *ckpt;
  if (!typed(env, argv[16], 16, napi_float32_array, s.b * s.l * s.d, 0, &y)) return NULL;
  if (!typed(env, argv[17], 17, napi_float32_array, s.b * s.d * s.n, 0, &last)) return NULL;
  if (!typed(env, argv[18], 18, napi_float32_array, s.b * chunks * s.d * s.n, 0, &ckpt)) return NULL;
  if (scan_forward(&s, y, last, ckpt, g_threads) != 0) return out_of_memory(env);
  return NULL;
}

/* scanBackward(...scan inputs, checkpoints, dy, dLast?, gu, gdelta, gA, gB, gC, gD, gz?, gDeltaBias?, gh0?) */
static napi_value scan_bwd(napi_env env, napi_callback_info info) {
  size_t argc = 28;
  napi_value argv[28];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 28) {
    napi_throw_type_error(env, NULL, "meteor native: scanBackward takes 28 arguments");
    return NULL;
  }
  scan_args s;
  if (!scan_inputs(env, argv, &s)) return NULL;
  const int64_t chunks = (s.l + s.chunk - 1) / s.chunk;
  const int64_t bld = s.b * s.l * s.d, bln = s.b * s.l * s.n, bdn = s.b * s.d * s.n;
  void *ckpt, *dy, *dlast;
  if (!typed(env, argv[16], 16, napi_float32_array, s.b * chunks * s.d * s.n, 0, &ckpt)) return NULL;
  if (!typed(env, argv[17], 17, napi_float32_array, bld, 0, &dy)) return NULL;
  if (!typed(env, argv[18], 18, napi_float32_array, bdn, 1, &dlast)) return NULL;
  const int64_t need[9] = {bld, bld, s.d * s.n, bln, bln, s.d, bld, s.d, bdn};
  const int present[9] = {1, 1, 1, 1, 1, 1, s.z != NULL, s.delta_bias != NULL, s.h0 != NULL};
  void *p[9];
  for (int i = 0; i < 9; i++) {
    if (!typed(env, argv[19 + i], 19 + i, napi_float32_array, present[i] ? need[i] : 0, !present[i] || i >= 6, &p[i])) return NULL;
    if (present[i] && !p[i]) return fail(env, "gradient buffer missing for a present input", 19 + i), NULL;
    if (!present[i]) p[i] = NULL;
  }
  scan_grads g = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]};
  if (scan_backward(&s, ckpt, dy, dlast, &g, g_threads) != 0) return out_of_memory(env);
  return NULL;
}

/* setThreads(n): OpenMP threads for the following calls (≥ 1); returns the value in effect. */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t n;
  if (argc != 1 || !integer(env, argv[0], 0, &n)) return NULL;
  g_threads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
  napi_value r;
  CHECK(napi_create_int32(env, g_threads, &r));
  return r;
}

/* info(): {threads, maxThreads, simdBits, openmp} */
static napi_value info_fn(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, v;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_int32(env, g_threads, &v));
  CHECK(napi_set_named_property(env, o, "threads", v));
#ifdef _OPENMP
  CHECK(napi_create_int32(env, omp_get_max_threads(), &v));
#else
  CHECK(napi_create_int32(env, 1, &v));
#endif
  CHECK(napi_set_named_property(env, o, "maxThreads", v));
#if defined(__AVX512F__)
  CHECK(napi_create_int32(env, 512, &v));
#elif defined(__AVX__)
  CHECK(napi_create_int32(env, 256, &v));
#else
  CHECK(napi_create_int32(env, 128, &v));
#endif
  CHECK(napi_set_named_property(env, o, "simdBits", v));
#ifdef _OPENMP
  CHECK(napi_get_boolean(env, true, &v));
#else
  CHECK(napi_get_boolean(env, false, &v));
#endif
  CHECK(napi_set_named_property(env, o, "openmp", v));
  return o;
}

/* ropeForward(x, cos, sin, y, rows, l, hd) and ropeBackward(dy, cos, sin, dx, rows, l, hd): see fused.h */
static napi_value rope_call(napi_env env, napi_callback_info info, int backward) {
  napi_value argv[7];
  int64_t d[3];
  if (!args(env, info, 7, argv, backward ? "ropeBackward" : "ropeForward")) return NULL;
  for (int i = 0; i < 3; i++)
    if (!integer(env, argv[4 + i], 4 + i, &d[i])) return NULL;
  const int64_t rows = d[0], l = d[1], hd = d[2];
  if (l < 1 || hd % 2 != 0) return fail(env, "l must be positive and hd even", 5), NULL;
  const int64_t need[4] = {rows * hd, l * hd, l * hd, rows * hd};
  void *p[4];
  if (!f32_args(env, argv, 0, 4, need, p)) return NULL;
  (backward ? rope_backward : rope_forward)(p[0], p[1], p[2], p[3], rows, l, hd, g_threads);
  return NULL;
}
static napi_value rope_fwd(napi_env env, napi_callback_info info) { return rope_call(env, info, 0); }
static napi_value rope_bwd(napi_env env, napi_callback_info info) { return rope_call(env, info, 1); }

/* The conv's b, l, e, k from argv[first …], k ≥ 1. */
static int conv_dims(napi_env env, napi_value *argv, int first, int64_t *d) {
  for (int i = 0; i < 4; i++)
    if (!integer(env, argv[first + i], first + i, &d[i])) return 0;
  return d[3] >= 1 ? 1 : fail(env, "k must be at least 1", first + 3);
}

/* convSiluForward(x, w, bias, y, pre, b, l, e, k): see conv.h */
static napi_value conv_fwd(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  int64_t d[4];
  if (!args(env, info, 9, argv, "convSiluForward") || !conv_dims(env, argv, 5, d)) return NULL;
  const int64_t b = d[0], l = d[1], e = d[2], k = d[3];
  const int64_t need[5] = {b * (l + k - 1) * e, e * k, e, b * l * e, b * l * e};
  void *p[5];
  if (!f32_args(env, argv, 0, 5, need, p)) return NULL;
  if (conv_silu_forward(p[0], p[1], p[2], b, l, e, k, p[3], p[4], g_threads) != 0) return out_of_memory(env);
  return NULL;
}

/* convSiluBackward(dy, x, w, pre, dx, dw, dbias, b, l, e, k): see conv.h */
static napi_value conv_bwd(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  int64_t d[4];
  if (!args(env, info, 11, argv, "convSiluBackward") || !conv_dims(env, argv, 7, d)) return NULL;
  const int64_t b = d[0], l = d[1], e = d[2], k = d[3];
  const int64_t need[7] = {b * l * e, b * (l + k - 1) * e, e * k, b * l * e, b * (l + k - 1) * e, e * k, e};
  void *p[7];
  if (!f32_args(env, argv, 0, 7, need, p)) return NULL;
  if (conv_silu_backward(p[0], p[1], p[2], p[3], b, l, e, k, p[4], p[5], p[6], g_threads) != 0) return out_of_memory(env);
  return NULL;
}

/* Tensors passed as a JS array of Float32Arrays (`per` of them per tensor) beside a Float64Array of their sizes. */
typedef struct {
  int64_t tensors;
  int64_t *sizes;
  float **bufs;
} buffer_list;

static void free_list(buffer_list *l) {
  free(l->sizes), free(l->bufs);
}

/* Reads list (argv index `li`) and sizes (`si`) into *out; 0 after throwing (nothing to free). */
static int read_list(napi_env env, napi_value list, int li, napi_value sizes, int si, uint32_t per, buffer_list *out) {
  bool is_array = false;
  uint32_t count = 0;
  napi_is_array(env, list, &is_array);
  if (!is_array || napi_get_array_length(env, list, &count) != napi_ok || count % per != 0) return fail(env, per == 1 ? "expected an array of Float32Arrays" : "expected an array of 7 Float32Arrays per tensor", li);
  out->tensors = count / per;
  out->sizes = malloc((size_t)(out->tensors + 1) * sizeof(int64_t));
  out->bufs = malloc((size_t)(count + 1) * sizeof(float *));
  if (!out->sizes || !out->bufs) {
    free_list(out);
    out_of_memory(env);
    return 0;
  }
  void *p;
  if (!typed(env, sizes, si, napi_float64_array, out->tensors, 0, &p)) return free_list(out), 0;
  const double *d = p;
  for (int64_t i = 0; i < out->tensors; i++) {
    if (!(d[i] >= 0 && d[i] <= 9007199254740991.0 && d[i] == (double)(int64_t)d[i])) return free_list(out), fail(env, "sizes hold a negative or non-integer value", si);
    out->sizes[i] = (int64_t)d[i];
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    void *data;
    if (napi_get_element(env, list, i, &v) != napi_ok) return free_list(out), fail(env, "unreadable array element", li);
    if (!typed(env, v, li, napi_float32_array, out->sizes[i / per], 0, &data)) return free_list(out), 0;
    out->bufs[i] = data;
  }
  return 1;
}

/* adamwUpdate(buffers [7·n: p, g, m, v, p', m', v' per tensor], sizes Float64Array [n], decay Float32Array [n],
 * scalars Float32Array [8]: β₁, 1 − β₁, β₂, 1 − β₂, c₂, ε, stepSize, gradScale) */
static napi_value adamw_fn(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  buffer_list l;
  if (!args(env, info, 4, argv, "adamwUpdate") || !read_list(env, argv[0], 0, argv[1], 1, 7, &l)) return NULL;
  void *decay, *scal;
  if (typed(env, argv[2], 2, napi_float32_array, l.tensors, 0, &decay) && typed(env, argv[3], 3, napi_float32_array, 8, 0, &scal)) {
    const float *f = scal;
    const adamw_scalars s = {f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]};
    adamw_update(l.tensors, l.bufs, l.sizes, decay, &s, g_threads);
  }
  free_list(&l);
  return NULL;
}

/* globalNorm(buffers [n], sizes Float64Array [n]) → √(Σ x²) as a number (float64) */
static napi_value norm_fn(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  buffer_list l;
  if (!args(env, info, 2, argv, "globalNorm") || !read_list(env, argv[0], 0, argv[1], 1, 1, &l)) return NULL;
  const double norm = global_norm(l.tensors, (const float *const *)l.bufs, l.sizes, g_threads);
  free_list(&l);
  if (norm < 0) return out_of_memory(env);
  napi_value r;
  CHECK(napi_create_double(env, norm, &r));
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"matmul", NULL, matmul, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scanForward", NULL, scan_fwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scanBackward", NULL, scan_bwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyStrided", NULL, copy_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gatherRows", NULL, gather_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scatterAddRows", NULL, scatter_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"swigluForward", NULL, swiglu_fwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"swigluBackward", NULL, swiglu_bwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"causalSoftmaxForward", NULL, softmax_fwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"causalSoftmaxBackward", NULL, softmax_bwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crossEntropyForward", NULL, ce_fwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crossEntropyBackward", NULL, ce_bwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rmsnormForward", NULL, rmsnorm_fwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rmsnormBackward", NULL, rmsnorm_bwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layernormForward", NULL, layernorm_fwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layernormBackward", NULL, layernorm_bwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ropeForward", NULL, rope_fwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ropeBackward", NULL, rope_bwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"convSiluForward", NULL, conv_fwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"convSiluBackward", NULL, conv_bwd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamwUpdate", NULL, adamw_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"globalNorm", NULL, norm_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, info_fn, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
