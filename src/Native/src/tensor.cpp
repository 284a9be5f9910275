// Tensor lifetime, metadata, creation and host data exchange.
#include <cstring>

#include "internal.h"

namespace {

at::TensorOptions options(int32_t dtype, int32_t device_kind, int32_t device_index) {
    return at::TensorOptions().dtype(tc::scalar_type(dtype)).device(tc::device(device_kind, device_index));
}

}  // namespace

extern "C" {

void tc_tensor_free(tc_tensor* tensor) { delete tensor; }

int32_t tc_tensor_ndim(const tc_tensor* tensor) { return tensor ? static_cast<int32_t>(tensor->value.dim()) : -1; }

tc_error* tc_tensor_shape(const tc_tensor* tensor, int64_t* shape, int32_t capacity) {
    return tc::guarded("shape", [&] {
        const auto& t = tc::ref(tensor);
        TORCH_CHECK(capacity >= t.dim() && (t.dim() == 0 || shape != nullptr), "shape buffer holds ", capacity,
                    " dims, tensor has ", t.dim());
        for (int64_t i = 0; i < t.dim(); ++i) shape[i] = t.size(i);
    });
}

int32_t tc_tensor_dtype(const tc_tensor* tensor) { return tensor ? tc::dtype_code(tensor->value.scalar_type()) : -1; }

int32_t tc_tensor_device_kind(const tc_tensor* tensor) {
    if (!tensor) return -1;
    return tensor->value.device().is_cuda() ? TC_CUDA : TC_CPU;
}

int32_t tc_tensor_device_index(const tc_tensor* tensor) {
    return tensor ? static_cast<int32_t>(tensor->value.device().index()) : -1;
}

int32_t tc_tensor_requires_grad(const tc_tensor* tensor) { return tensor && tensor->value.requires_grad() ? 1 : 0; }

int32_t tc_tensor_is_leaf(const tc_tensor* tensor) { return tensor && tensor->value.is_leaf() ? 1 : 0; }

tc_error* tc_tensor_set_requires_grad(tc_tensor* tensor, int32_t requires_grad) {
    return tc::guarded("set_requires_grad", [&] {
        TORCH_CHECK(tensor != nullptr, "tensor handle is null");
        tensor->value.set_requires_grad(requires_grad != 0);
    });
}

tc_error* tc_from_blob(const void* data, int64_t byte_count, const int64_t* shape, int32_t ndim, int32_t dtype,
                       tc_tensor** out) {
    return tc::guarded("from_blob", [&] {
        auto t = at::empty(tc::dims(shape, ndim), at::TensorOptions().dtype(tc::scalar_type(dtype)));
        const int64_t expected = t.numel() * static_cast<int64_t>(t.element_size());
        TORCH_CHECK(byte_count == expected, "shape ", t.sizes(), " of ", t.scalar_type(), " needs ", expected,
                    " bytes, got ", byte_count);
        TORCH_CHECK(expected == 0 || data != nullptr, "data pointer is null");
        if (expected > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(expected));
        tc::emit(out, std::move(t));
    });
}

tc_error* tc_copy_to_host(const tc_tensor* tensor, void* data, int64_t byte_count) {
    return tc::guarded("copy_to_host", [&] {
        auto t = tc::ref(tensor).detach().to(at::kCPU).contiguous();
        const int64_t expected = t.numel() * static_cast<int64_t>(t.element_size());
        TORCH_CHECK(byte_count == expected, "tensor ", t.sizes(), " of ", t.scalar_type(), " has ", expected,
                    " bytes, buffer has ", byte_count);
        if (expected > 0) std::memcpy(data, t.data_ptr(), static_cast<size_t>(expected));
    });
}

tc_error* tc_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype, int32_t device_kind,
                  int32_t device_index, tc_tensor** out) {
    return tc::guarded("full", [&] {
        tc::emit(out, at::full(tc::dims(shape, ndim), value, options(dtype, device_kind, device_index)));
    });
}

tc_error* tc_generator_new(uint64_t seed, tc_generator** out) {
    return tc::guarded("generator_new", [&] {
        TORCH_CHECK(out != nullptr, "output pointer is null");
        *out = new tc_generator{at::make_generator<at::CPUGeneratorImpl>(seed)};
    });
}

void tc_generator_free(tc_generator* generator) { delete generator; }

tc_error* tc_random(const int64_t* shape, int32_t ndim, int32_t kind, double a, double b, int32_t dtype,
                    int32_t device_kind, int32_t device_index, tc_generator* generator, tc_tensor** out) {
    return tc::guarded("random", [&] {
        auto t = at::empty(tc::dims(shape, ndim), options(dtype, device_kind, device_index));
        auto g = tc::generator_of(generator);
        switch (kind) {
            case 0: t.uniform_(a, b, g); break;
            case 1: t.normal_(a, b, g); break;
            default: TORCH_CHECK(false, "unknown distribution code ", kind);
        }
        tc::emit(out, std::move(t));
    });
}

tc_error* tc_randint(const int64_t* shape, int32_t ndim, int64_t low, int64_t high, int32_t device_kind,
                     int32_t device_index, tc_generator* generator, tc_tensor** out) {
    return tc::guarded("randint", [&] {
        tc::emit(out, at::randint(low, high, tc::dims(shape, ndim), tc::generator_of(generator),
                                  options(TC_INT64, device_kind, device_index)));
    });
}

tc_error* tc_randperm(int64_t n, int32_t device_kind, int32_t device_index, tc_generator* generator, tc_tensor** out) {
    return tc::guarded("randperm", [&] {
        tc::emit(out, at::randperm(n, tc::generator_of(generator), options(TC_INT64, device_kind, device_index)));
    });
}

tc_error* tc_arange(double start, double end, double step, int32_t dtype, int32_t device_kind, int32_t device_index,
                    tc_tensor** out) {
    return tc::guarded("arange", [&] {
        tc::emit(out, at::arange(start, end, step, options(dtype, device_kind, device_index)));
    });
}

tc_error* tc_item(const tc_tensor* tensor, double* value) {
    return tc::guarded("item", [&] {
        const auto& t = tc::ref(tensor);
        TORCH_CHECK(t.numel() == 1, "item() needs a tensor with one element, got shape ", t.sizes());
        *value = t.item<double>();
    });
}

}  // extern "C"
