// Internal helpers shared by the shim's translation units. Not part of the ABI.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include <atomic>
#include <exception>
#include <string>
#include <utility>

#include "toolchain_native.h"

struct tc_error {
    std::string message;
};

namespace tc {

// Number of live tc_tensor objects: lets C# tests prove that loops do not leak.
extern std::atomic<int64_t> live_tensors;

}  // namespace tc

struct tc_tensor {
    at::Tensor value;
    explicit tc_tensor(at::Tensor t) : value(std::move(t)) { tc::live_tensors.fetch_add(1, std::memory_order_relaxed); }
    ~tc_tensor() { tc::live_tensors.fetch_sub(1, std::memory_order_relaxed); }
    tc_tensor(const tc_tensor&) = delete;
    tc_tensor& operator=(const tc_tensor&) = delete;
};

struct tc_generator {
    at::Generator value;
};

namespace tc {

// The generator to draw from: the caller's, or none (c10::nullopt: libtorch's global one).
inline c10::optional<at::Generator> generator_of(tc_generator* g) {
    if (g == nullptr) return c10::nullopt;
    return g->value;
}

inline tc_error* make_error(const char* op, const std::string& what) {
    return new tc_error{std::string(op) + ": " + what};
}

// Runs `body` and turns every C++ exception into a tc_error. An exception escaping an
// extern "C" function would terminate the process, so every export goes through here.
template <typename Body>
tc_error* guarded(const char* op, Body&& body) noexcept {
    try {
        body();
        return nullptr;
    } catch (const c10::Error& e) {
        return make_error(op, e.what_without_backtrace());
    } catch (const std::exception& e) {
        return make_error(op, e.what());
    } catch (...) {
        return make_error(op, "unknown native exception");
    }
}

inline tc_tensor* wrap(at::Tensor t) { return new tc_tensor(std::move(t)); }

// Writes the result only after it exists, so a failure leaves *out untouched.
inline void emit(tc_tensor** out, at::Tensor t) {
    TORCH_CHECK(out != nullptr, "output pointer is null");
    *out = wrap(std::move(t));
}

inline const at::Tensor& ref(const tc_tensor* t, const char* name = "tensor") {
    TORCH_CHECK(t != nullptr, name, " handle is null (was it disposed?)");
    return t->value;
}

inline c10::optional<at::Tensor> optional_ref(const tc_tensor* t) {
    if (t == nullptr) return c10::nullopt;
    return t->value;
}

at::ScalarType scalar_type(int32_t dtype);
int32_t dtype_code(at::ScalarType type);
at::Device device(int32_t kind, int32_t index);
at::IntArrayRef dims(const int64_t* values, int32_t count);

}  // namespace tc
