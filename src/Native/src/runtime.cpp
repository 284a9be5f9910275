// Errors, threads, seeds, grad mode, type and device codes.
#include <ATen/Parallel.h>
#include <torch/version.h>
#include <ATen/core/grad_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <malloc.h>

#include <cstring>
#include <stdexcept>

#include "internal.h"

namespace tc {

std::atomic<int64_t> live_tensors{0};

at::ScalarType scalar_type(int32_t dtype) {
    switch (dtype) {
        case TC_FLOAT32: return at::kFloat;
        case TC_INT64: return at::kLong;
        case TC_BOOL: return at::kBool;
        case TC_FLOAT64: return at::kDouble;
    }
    TORCH_CHECK(false, "unknown dtype code ", dtype);
}

int32_t dtype_code(at::ScalarType type) {
    switch (type) {
        case at::kFloat: return TC_FLOAT32;
        case at::kLong: return TC_INT64;
        case at::kBool: return TC_BOOL;
        case at::kDouble: return TC_FLOAT64;
        default: return -1;
    }
}

at::Device device(int32_t kind, int32_t index) {
    switch (kind) {
        case TC_CPU: return at::Device(at::kCPU);
        case TC_CUDA:
            TORCH_CHECK(at::detail::getCUDAHooks().hasCUDA(),
                        "CUDA was requested but the loaded libtorch has no CUDA device; "
                        "build the shim against a CUDA libtorch on a GPU host");
            return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    TORCH_CHECK(false, "unknown device kind ", kind);
}

at::IntArrayRef dims(const int64_t* values, int32_t count) {
    TORCH_CHECK(count >= 0, "negative dimension count ", count);
    TORCH_CHECK(count == 0 || values != nullptr, "dimension array is null");
    return at::IntArrayRef(values, static_cast<size_t>(count));
}

}  // namespace tc

extern "C" {

const char* tc_error_message(const tc_error* error) { return error ? error->message.c_str() : ""; }

void tc_error_free(tc_error* error) { delete error; }

tc_error* tc_set_num_threads(int32_t threads) {
    return tc::guarded("set_num_threads", [&] {
        TORCH_CHECK(threads > 0, "thread count must be positive, got ", threads);
        at::set_num_threads(threads);
    });
}

tc_error* tc_configure_allocator(void) {
    return tc::guarded("configure_allocator", [&] {
        // libtorch's CPU allocator is plain malloc. With glibc's defaults every activation-sized tensor (MBs)
        // is mmap'ed and unmapped again, and the heap top is trimmed on free, so each training step pays
        // page faults for memory it just released: measured 20 % of a ResNet-20 step in this process.
        // Serving large blocks from the heap (up to glibc's 32 MiB limit) and keeping freed memory lets
        // the next step reuse it.
        TORCH_CHECK(mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1, "mallopt(M_MMAP_THRESHOLD) failed");
        TORCH_CHECK(mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024) == 1, "mallopt(M_TRIM_THRESHOLD) failed");
    });
}

int32_t tc_get_num_threads(void) { return at::get_num_threads(); }

int64_t tc_live_tensor_count(void) { return tc::live_tensors.load(); }

int32_t tc_cuda_device_count(void) {
    try {
        return at::detail::getCUDAHooks().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0;
    } catch (...) {
        return 0;
    }
}

tc_error* tc_manual_seed(uint64_t seed) {
    return tc::guarded("manual_seed", [&] {
        at::manual_seed(seed);
    });
}

tc_error* tc_set_grad_enabled(int32_t enabled, int32_t* previous) {
    return tc::guarded("set_grad_enabled", [&] {
        if (previous) *previous = at::GradMode::is_enabled() ? 1 : 0;
        at::GradMode::set_enabled(enabled != 0);
    });
}

int32_t tc_is_grad_enabled(void) { return at::GradMode::is_enabled() ? 1 : 0; }

tc_error* tc_torch_version(char* buffer, int32_t capacity) {
    return tc::guarded("torch_version", [&] {
        std::string v = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                        std::to_string(TORCH_VERSION_PATCH);
        TORCH_CHECK(buffer != nullptr && capacity > static_cast<int32_t>(v.size()), "version buffer too small");
        std::memcpy(buffer, v.c_str(), v.size() + 1);
    });
}

tc_error* tc_debug_raise(int32_t kind) {
    return tc::guarded("debug_raise", [&] {
        switch (kind) {
            case 0: TORCH_CHECK(false, "deliberate c10::Error for testing");
            case 1: throw std::runtime_error("deliberate std::exception for testing");
            default: throw 42;  // a non-standard exception: must still be caught
        }
    });
}

}  // extern "C"
