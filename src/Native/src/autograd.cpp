// Reverse-mode differentiation through libtorch's autograd engine.
#include "internal.h"

extern "C" {

tc_error* tc_backward(const tc_tensor* output, const tc_tensor* gradient, int32_t retain_graph) {
    return tc::guarded("backward", [&] {
        const auto& y = tc::ref(output, "output");
        TORCH_CHECK(y.requires_grad(), "the tensor does not require grad: nothing in its history has requires_grad "
                                       "set, or it was computed inside a no-grad scope");
        at::Tensor g = gradient ? gradient->value : at::Tensor();
        y.backward(g, retain_graph != 0 ? c10::optional<bool>(true) : c10::nullopt);
    });
}

tc_error* tc_grad(const tc_tensor* x, tc_tensor** out) {
    return tc::guarded("grad", [&] {
        TORCH_CHECK(out != nullptr, "output pointer is null");
        const auto& g = tc::ref(x).grad();
        *out = g.defined() ? tc::wrap(g) : nullptr;
    });
}

tc_error* tc_set_grad(tc_tensor* x, const tc_tensor* gradient) {
    return tc::guarded("set_grad", [&] {
        TORCH_CHECK(x != nullptr, "tensor handle is null");
        x->value.mutable_grad() = gradient ? gradient->value : at::Tensor();
    });
}

}  // extern "C"
