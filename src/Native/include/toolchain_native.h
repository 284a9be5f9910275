/*
 * toolchain_native.h — the one ABI between Toolchain (C#) and libtorch.
 *
 * Rules of this boundary (see shared/DESIGN.md, "Native boundary"):
 *  - Every export is prefixed `tc_` and is `extern "C"`.
 *  - Only fixed-size types and opaque handles cross. Arrays go in as (pointer, count)
 *    and come back through caller-allocated buffers.
 *  - Every export that can fail returns `tc_error*`: NULL on success, otherwise an error
 *    object owned by the caller, released with `tc_error_free`. No C++ exception escapes.
 *  - A `tc_tensor*` owns one reference to an `at::Tensor`; release it with
 *    `tc_tensor_free`. Outputs are written to `tc_tensor** out` only on success.
 *  - Optional tensor arguments are passed as NULL.
 */
#ifndef TOOLCHAIN_NATIVE_H
#define TOOLCHAIN_NATIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TC_EXPORT __attribute__((visibility("default")))

typedef struct tc_error tc_error;
typedef struct tc_tensor tc_tensor;
/* A CPU random generator (libtorch's Mersenne twister) owned by the caller: draws from it do not touch the global one. */
typedef struct tc_generator tc_generator;

/* Element types. Values are part of the ABI. */
enum tc_dtype { TC_FLOAT32 = 0, TC_INT64 = 1, TC_BOOL = 2, TC_FLOAT64 = 3 };

/* Device kinds. Values are part of the ABI. */
enum tc_device_kind { TC_CPU = 0, TC_CUDA = 1 };

/* Elementwise unary ops (table in ops_elementwise.cpp). */
enum tc_unary_op {
    TC_NEG = 0, TC_ABS, TC_EXP, TC_LOG, TC_SQRT, TC_RSQRT, TC_SIGN, TC_RELU, TC_RELU6,
    TC_SIGMOID, TC_TANH, TC_SILU, TC_HARDSWISH, TC_HARDSIGMOID, TC_SQUARE, TC_RECIPROCAL,
    TC_LOGICAL_NOT, TC_GELU, TC_UNARY_COUNT
};

/* Elementwise binary ops with broadcasting. */
enum tc_binary_op {
    TC_ADD = 0, TC_SUB, TC_MUL, TC_DIV, TC_POW, TC_MAXIMUM, TC_MINIMUM,
    TC_EQ, TC_NE, TC_LT, TC_LE, TC_GT, TC_GE, TC_BINARY_COUNT
};

/* Reductions over dimensions (all dimensions when ndims == 0). */
enum tc_reduce_op { TC_SUM = 0, TC_MEAN, TC_AMAX, TC_AMIN, TC_REDUCE_COUNT };

/* In-place updates used by optimizers and masking. `alpha` scales `other`. */
enum tc_inplace_op {
    TC_ADD_ = 0,     /* self += alpha * other            */
    TC_MUL_,         /* self *= other                    */
    TC_COPY_,        /* self  = other                    */
    TC_ADDCMUL_,     /* self += alpha * other * other2   */
    TC_ADDCDIV_,     /* self += alpha * other / other2   */
    TC_LERP_,        /* self += alpha * (other - self)   */
    TC_INPLACE_COUNT
};

/* ---- errors ---------------------------------------------------------------------- */
TC_EXPORT const char* tc_error_message(const tc_error* error);
TC_EXPORT void tc_error_free(tc_error* error);

/* ---- runtime --------------------------------------------------------------------- */
TC_EXPORT tc_error* tc_set_num_threads(int32_t threads);
/* Tunes glibc malloc for tensor workloads (see runtime.cpp); called once when the shim loads. */
TC_EXPORT tc_error* tc_configure_allocator(void);
/* The caching CPU allocator (cpu_allocator.cpp): libtorch's CPU tensors of 1 MiB and more come from a cache of
 * mapped blocks, bounded by a cap and emptied after an idle period. Enabled when the shim loads. */
TC_EXPORT tc_error* tc_cpu_cache_enable(int32_t enabled);
TC_EXPORT int32_t tc_cpu_cache_enabled(void);
/* Sets the cap (bytes) and the idle period (ms) after which the cache is emptied; a negative value keeps the current one. */
TC_EXPORT tc_error* tc_cpu_cache_configure(int64_t cap_bytes, int64_t idle_ms);
/* Bytes held in the cache, bytes in live cached-size blocks, the cap and the idle period; any pointer may be NULL. */
TC_EXPORT tc_error* tc_cpu_cache_stats(int64_t* cached_bytes, int64_t* live_bytes, int64_t* cap_bytes, int64_t* idle_ms);
/* Returns every cached block to the system now. */
TC_EXPORT tc_error* tc_cpu_cache_release(void);
TC_EXPORT int32_t tc_get_num_threads(void);
TC_EXPORT int64_t tc_live_tensor_count(void);
TC_EXPORT int32_t tc_cuda_device_count(void);
TC_EXPORT tc_error* tc_manual_seed(uint64_t seed);
TC_EXPORT tc_error* tc_set_grad_enabled(int32_t enabled, int32_t* previous);
TC_EXPORT int32_t tc_is_grad_enabled(void);
/* Writes a NUL-terminated version string ("1.13.1") into buffer. */
TC_EXPORT tc_error* tc_torch_version(char* buffer, int32_t capacity);
/* Raises a libtorch error on purpose: lets tests prove the error path end to end. */
TC_EXPORT tc_error* tc_debug_raise(int32_t kind);

/* ---- tensor lifetime and metadata ------------------------------------------------ */
TC_EXPORT void tc_tensor_free(tc_tensor* tensor);
TC_EXPORT int32_t tc_tensor_ndim(const tc_tensor* tensor);
/* Writes ndim sizes into `shape` (capacity `capacity`). */
TC_EXPORT tc_error* tc_tensor_shape(const tc_tensor* tensor, int64_t* shape, int32_t capacity);
TC_EXPORT int32_t tc_tensor_dtype(const tc_tensor* tensor);
TC_EXPORT int32_t tc_tensor_device_kind(const tc_tensor* tensor);
TC_EXPORT int32_t tc_tensor_device_index(const tc_tensor* tensor);
TC_EXPORT int32_t tc_tensor_requires_grad(const tc_tensor* tensor);
TC_EXPORT int32_t tc_tensor_is_leaf(const tc_tensor* tensor);
TC_EXPORT tc_error* tc_tensor_set_requires_grad(tc_tensor* tensor, int32_t requires_grad);

/* ---- creation and data exchange -------------------------------------------------- */
/* Copies `byte_count` bytes of host data into a new CPU tensor of the given shape/dtype. */
TC_EXPORT tc_error* tc_from_blob(const void* data, int64_t byte_count, const int64_t* shape,
                                 int32_t ndim, int32_t dtype, tc_tensor** out);
/* Copies the tensor's elements (any device, any layout) into host memory, row-major. */
TC_EXPORT tc_error* tc_copy_to_host(const tc_tensor* tensor, void* data, int64_t byte_count);
TC_EXPORT tc_error* tc_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype,
                            int32_t device_kind, int32_t device_index, tc_tensor** out);
/* A generator seeded like torch.Generator().manual_seed(seed): the same draws as the global one after manual_seed(seed). */
TC_EXPORT tc_error* tc_generator_new(uint64_t seed, tc_generator** out);
TC_EXPORT void tc_generator_free(tc_generator* generator);
/* The random draws below use `generator`, or the global generator when it is null (CPU tensors only with a generator). */
/* kind 0: uniform [low, high); kind 1: normal(mean = a, std = b). */
TC_EXPORT tc_error* tc_random(const int64_t* shape, int32_t ndim, int32_t kind, double a, double b,
                              int32_t dtype, int32_t device_kind, int32_t device_index, tc_generator* generator,
                              tc_tensor** out);
TC_EXPORT tc_error* tc_randint(const int64_t* shape, int32_t ndim, int64_t low, int64_t high,
                               int32_t device_kind, int32_t device_index, tc_generator* generator, tc_tensor** out);
TC_EXPORT tc_error* tc_randperm(int64_t n, int32_t device_kind, int32_t device_index, tc_generator* generator,
                                tc_tensor** out);
TC_EXPORT tc_error* tc_arange(double start, double end, double step, int32_t dtype,
                              int32_t device_kind, int32_t device_index, tc_tensor** out);
TC_EXPORT tc_error* tc_item(const tc_tensor* tensor, double* value);

/* ---- shape and layout ------------------------------------------------------------ */
TC_EXPORT tc_error* tc_reshape(const tc_tensor* x, const int64_t* shape, int32_t ndim, tc_tensor** out);
TC_EXPORT tc_error* tc_view(const tc_tensor* x, const int64_t* shape, int32_t ndim, tc_tensor** out);
TC_EXPORT tc_error* tc_expand(const tc_tensor* x, const int64_t* shape, int32_t ndim, tc_tensor** out);
TC_EXPORT tc_error* tc_permute(const tc_tensor* x, const int64_t* dims, int32_t ndim, tc_tensor** out);
TC_EXPORT tc_error* tc_transpose(const tc_tensor* x, int64_t dim0, int64_t dim1, tc_tensor** out);
TC_EXPORT tc_error* tc_flatten(const tc_tensor* x, int64_t start_dim, int64_t end_dim, tc_tensor** out);
TC_EXPORT tc_error* tc_squeeze(const tc_tensor* x, int64_t dim, tc_tensor** out);
TC_EXPORT tc_error* tc_unsqueeze(const tc_tensor* x, int64_t dim, tc_tensor** out);
TC_EXPORT tc_error* tc_slice(const tc_tensor* x, int64_t dim, int64_t start, int64_t end, int64_t step,
                             tc_tensor** out);
TC_EXPORT tc_error* tc_index_select(const tc_tensor* x, int64_t dim, const tc_tensor* index, tc_tensor** out);
TC_EXPORT tc_error* tc_cat(tc_tensor* const* tensors, int32_t count, int64_t dim, tc_tensor** out);
TC_EXPORT tc_error* tc_stack(tc_tensor* const* tensors, int32_t count, int64_t dim, tc_tensor** out);
TC_EXPORT tc_error* tc_contiguous(const tc_tensor* x, tc_tensor** out);
/* The same values laid out NHWC in memory (strides change, shape and indexing do not); x must be 4-d. */
TC_EXPORT tc_error* tc_contiguous_channels_last(const tc_tensor* x, tc_tensor** out);
TC_EXPORT tc_error* tc_clone(const tc_tensor* x, tc_tensor** out);
TC_EXPORT tc_error* tc_detach(const tc_tensor* x, tc_tensor** out);
/* Shares storage: a second handle to the same tensor (and the same autograd identity). */
TC_EXPORT tc_error* tc_alias(const tc_tensor* x, tc_tensor** out);
TC_EXPORT tc_error* tc_to(const tc_tensor* x, int32_t dtype, int32_t device_kind, int32_t device_index,
                          tc_tensor** out);

/* ---- elementwise, reductions, linear algebra ------------------------------------- */
TC_EXPORT tc_error* tc_unary(int32_t op, const tc_tensor* x, tc_tensor** out);
TC_EXPORT tc_error* tc_binary(int32_t op, const tc_tensor* a, const tc_tensor* b, tc_tensor** out);
/* Same ops with a scalar right-hand side. */
TC_EXPORT tc_error* tc_binary_scalar(int32_t op, const tc_tensor* a, double b, tc_tensor** out);
TC_EXPORT tc_error* tc_clamp(const tc_tensor* x, double min, double max, int32_t has_min, int32_t has_max,
                             tc_tensor** out);
TC_EXPORT tc_error* tc_where(const tc_tensor* condition, const tc_tensor* a, const tc_tensor* b, tc_tensor** out);
TC_EXPORT tc_error* tc_reduce(int32_t op, const tc_tensor* x, const int64_t* dims, int32_t ndims,
                              int32_t keepdim, tc_tensor** out);
TC_EXPORT tc_error* tc_argmax(const tc_tensor* x, int64_t dim, int32_t keepdim, tc_tensor** out);
TC_EXPORT tc_error* tc_topk(const tc_tensor* x, int64_t k, int64_t dim, tc_tensor** values, tc_tensor** indices);
TC_EXPORT tc_error* tc_norm(const tc_tensor* x, double p, const int64_t* dims, int32_t ndims, int32_t keepdim,
                            tc_tensor** out);
TC_EXPORT tc_error* tc_matmul(const tc_tensor* a, const tc_tensor* b, tc_tensor** out);

/* ---- in-place updates (optimizers, masks); never recorded by autograd ------------ */
TC_EXPORT tc_error* tc_inplace(int32_t op, tc_tensor* self, const tc_tensor* other, const tc_tensor* other2,
                               double alpha);
TC_EXPORT tc_error* tc_inplace_scale(tc_tensor* self, double factor);
TC_EXPORT tc_error* tc_inplace_fill(tc_tensor* self, double value);
/* In-place graph ops that autograd DOES record (the executor reuses a dead activation's memory):
 * self = relu(self) and self += other. The caller guarantees nothing else needs self's old value. */
TC_EXPORT tc_error* tc_relu_(tc_tensor* self);
TC_EXPORT tc_error* tc_add_(tc_tensor* self, const tc_tensor* other);

/* ---- neural-network functions ---------------------------------------------------- */
TC_EXPORT tc_error* tc_conv2d(const tc_tensor* x, const tc_tensor* weight, const tc_tensor* bias,
                              int64_t stride_h, int64_t stride_w, int64_t pad_h, int64_t pad_w,
                              int64_t dilation_h, int64_t dilation_w, int64_t groups, tc_tensor** out);
/* Updates running_mean/var in place when training (momentum as in PyTorch). */
TC_EXPORT tc_error* tc_batch_norm(const tc_tensor* x, const tc_tensor* weight, const tc_tensor* bias,
                                  tc_tensor* running_mean, tc_tensor* running_var, int32_t training,
                                  double momentum, double eps, tc_tensor** out);
TC_EXPORT tc_error* tc_linear(const tc_tensor* x, const tc_tensor* weight, const tc_tensor* bias, tc_tensor** out);
TC_EXPORT tc_error* tc_max_pool2d(const tc_tensor* x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                                  int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,
                                  int64_t dilation_w, int32_t ceil_mode, tc_tensor** out);
TC_EXPORT tc_error* tc_avg_pool2d(const tc_tensor* x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                                  int64_t stride_w, int64_t pad_h, int64_t pad_w, int32_t ceil_mode,
                                  int32_t count_include_pad, tc_tensor** out);
TC_EXPORT tc_error* tc_adaptive_avg_pool2d(const tc_tensor* x, int64_t out_h, int64_t out_w, tc_tensor** out);
/* Resizes the spatial dimensions of an NCHW tensor to out_h x out_w, as F.interpolate does. mode: 0 nearest
   (PyTorch's legacy 'nearest': source index floor(dst / scale)), 1 bilinear. align_corners: bilinear only.
   scale_h/scale_w > 0 are the scale factors the coordinate mapping divides by (F.interpolate's scale_factor); 0
   means "in / out" (F.interpolate given a size). */
TC_EXPORT tc_error* tc_upsample2d(const tc_tensor* x, int32_t mode, int64_t out_h, int64_t out_w, int32_t align_corners,
                                  double scale_h, double scale_w, tc_tensor** out);
TC_EXPORT tc_error* tc_dropout(const tc_tensor* x, double p, int32_t training, tc_tensor** out);
TC_EXPORT tc_error* tc_softmax(const tc_tensor* x, int64_t dim, int32_t log, tc_tensor** out);
/* reduction: 0 none, 1 mean, 2 sum. target: int64 class indices. */
TC_EXPORT tc_error* tc_cross_entropy(const tc_tensor* logits, const tc_tensor* target, double label_smoothing,
                                     int32_t reduction, tc_tensor** out);

/* ---- autograd -------------------------------------------------------------------- */
/* gradient may be NULL for a scalar output. */
TC_EXPORT tc_error* tc_backward(const tc_tensor* output, const tc_tensor* gradient, int32_t retain_graph);
/* *out is NULL when the tensor has no gradient yet. */
TC_EXPORT tc_error* tc_grad(const tc_tensor* x, tc_tensor** out);
/* Sets .grad to `gradient`, or clears it when gradient is NULL. */
TC_EXPORT tc_error* tc_set_grad(tc_tensor* x, const tc_tensor* gradient);

#ifdef __cplusplus
}
#endif

#endif /* TOOLCHAIN_NATIVE_H */
