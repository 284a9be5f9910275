// Elementwise, reduction, linear-algebra and in-place operations. Each op family is a
// table indexed by the enum code in the header, so adding an op is one line.
#include <ATen/core/grad_mode.h>

#include <array>

#include "internal.h"

namespace {

using Unary = at::Tensor (*)(const at::Tensor&);
using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);
using BinaryScalar = at::Tensor (*)(const at::Tensor&, const at::Scalar&);

const std::array<Unary, TC_UNARY_COUNT> unary_ops = {
    [](const at::Tensor& x) { return at::neg(x); },
    [](const at::Tensor& x) { return at::abs(x); },
    [](const at::Tensor& x) { return at::exp(x); },
    [](const at::Tensor& x) { return at::log(x); },
    [](const at::Tensor& x) { return at::sqrt(x); },
    [](const at::Tensor& x) { return at::rsqrt(x); },
    [](const at::Tensor& x) { return at::sign(x); },
    [](const at::Tensor& x) { return at::relu(x); },
    [](const at::Tensor& x) { return at::hardtanh(x, 0.0, 6.0); },  // relu6, as torch.nn.functional does
    [](const at::Tensor& x) { return at::sigmoid(x); },
    [](const at::Tensor& x) { return at::tanh(x); },
    [](const at::Tensor& x) { return at::silu(x); },
    [](const at::Tensor& x) { return at::hardswish(x); },
    [](const at::Tensor& x) { return at::hardsigmoid(x); },
    [](const at::Tensor& x) { return at::square(x); },
    [](const at::Tensor& x) { return at::reciprocal(x); },
    [](const at::Tensor& x) { return at::logical_not(x); },
    [](const at::Tensor& x) { return at::gelu(x); },  // exact (erf) form, as torch.nn.GELU() and ONNX Gelu's default
};

const std::array<Binary, TC_BINARY_COUNT> binary_ops = {
    [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); },
    [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); },
};

const std::array<BinaryScalar, TC_BINARY_COUNT> binary_scalar_ops = {
    [](const at::Tensor& a, const at::Scalar& b) { return at::add(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::sub(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::mul(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::div(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::pow(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::clamp_min(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::clamp_max(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::eq(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::ne(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::lt(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::le(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::gt(a, b); },
    [](const at::Tensor& a, const at::Scalar& b) { return at::ge(a, b); },
};

template <typename Table>
auto lookup(const Table& table, int32_t op, const char* family) {
    TORCH_CHECK(op >= 0 && op < static_cast<int32_t>(table.size()), "unknown ", family, " op code ", op);
    return table[static_cast<size_t>(op)];
}

const at::Tensor& required(const tc_tensor* t, const char* name, int32_t op) {
    TORCH_CHECK(t != nullptr, name, " is required by in-place op ", op);
    return t->value;
}

}  // namespace

extern "C" {

tc_error* tc_unary(int32_t op, const tc_tensor* x, tc_tensor** out) {
    return tc::guarded("unary", [&] { tc::emit(out, lookup(unary_ops, op, "unary")(tc::ref(x))); });
}

tc_error* tc_binary(int32_t op, const tc_tensor* a, const tc_tensor* b, tc_tensor** out) {
    return tc::guarded("binary", [&] {
        tc::emit(out, lookup(binary_ops, op, "binary")(tc::ref(a, "left operand"), tc::ref(b, "right operand")));
    });
}

tc_error* tc_binary_scalar(int32_t op, const tc_tensor* a, double b, tc_tensor** out) {
    return tc::guarded("binary_scalar", [&] {
        tc::emit(out, lookup(binary_scalar_ops, op, "binary")(tc::ref(a), at::Scalar(b)));
    });
}

tc_error* tc_clamp(const tc_tensor* x, double min, double max, int32_t has_min, int32_t has_max, tc_tensor** out) {
    return tc::guarded("clamp", [&] {
        c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
        c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
        tc::emit(out, at::clamp(tc::ref(x), lo, hi));
    });
}

tc_error* tc_where(const tc_tensor* condition, const tc_tensor* a, const tc_tensor* b, tc_tensor** out) {
    return tc::guarded("where", [&] {
        tc::emit(out, at::where(tc::ref(condition, "condition"), tc::ref(a), tc::ref(b)));
    });
}

tc_error* tc_reduce(int32_t op, const tc_tensor* x, const int64_t* dims, int32_t ndims, int32_t keepdim,
                    tc_tensor** out) {
    return tc::guarded("reduce", [&] {
        const auto& t = tc::ref(x);
        const bool all = ndims == 0;
        const auto d = tc::dims(dims, ndims);
        const bool keep = keepdim != 0;
        switch (op) {
            case TC_SUM: tc::emit(out, all ? t.sum() : t.sum(d, keep)); return;
            case TC_MEAN: tc::emit(out, all ? t.mean() : t.mean(d, keep)); return;
            case TC_AMAX: tc::emit(out, t.amax(d, keep)); return;
            case TC_AMIN: tc::emit(out, t.amin(d, keep)); return;
        }
        TORCH_CHECK(false, "unknown reduction op code ", op);
    });
}

tc_error* tc_argmax(const tc_tensor* x, int64_t dim, int32_t keepdim, tc_tensor** out) {
    return tc::guarded("argmax", [&] { tc::emit(out, tc::ref(x).argmax(dim, keepdim != 0)); });
}

tc_error* tc_topk(const tc_tensor* x, int64_t k, int64_t dim, tc_tensor** values, tc_tensor** indices) {
    return tc::guarded("topk", [&] {
        auto result = tc::ref(x).topk(k, dim);
        TORCH_CHECK(values != nullptr && indices != nullptr, "output pointers are null");
        auto* v = tc::wrap(std::get<0>(result));
        *indices = tc::wrap(std::get<1>(result));
        *values = v;
    });
}

tc_error* tc_norm(const tc_tensor* x, double p, const int64_t* dims, int32_t ndims, int32_t keepdim, tc_tensor** out) {
    return tc::guarded("norm", [&] {
        const auto& t = tc::ref(x);
        tc::emit(out, ndims == 0 ? at::norm(t, p) : at::norm(t, p, tc::dims(dims, ndims), keepdim != 0));
    });
}

tc_error* tc_matmul(const tc_tensor* a, const tc_tensor* b, tc_tensor** out) {
    return tc::guarded("matmul", [&] { tc::emit(out, at::matmul(tc::ref(a), tc::ref(b))); });
}

tc_error* tc_inplace(int32_t op, tc_tensor* self, const tc_tensor* other, const tc_tensor* other2, double alpha) {
    return tc::guarded("inplace", [&] {
        at::NoGradGuard no_grad;  // optimizer and mask updates are never part of the graph
        TORCH_CHECK(self != nullptr, "target tensor handle is null");
        auto& s = self->value;
        switch (op) {
            case TC_ADD_: s.add_(required(other, "other", op), alpha); return;
            case TC_MUL_: s.mul_(required(other, "other", op)); return;
            case TC_COPY_: s.copy_(required(other, "other", op)); return;
            case TC_ADDCMUL_: s.addcmul_(required(other, "other", op), required(other2, "other2", op), alpha); return;
            case TC_ADDCDIV_: s.addcdiv_(required(other, "other", op), required(other2, "other2", op), alpha); return;
            case TC_LERP_: s.lerp_(required(other, "other", op), alpha); return;
        }
        TORCH_CHECK(false, "unknown in-place op code ", op);
    });
}

tc_error* tc_inplace_scale(tc_tensor* self, double factor) {
    return tc::guarded("inplace_scale", [&] {
        at::NoGradGuard no_grad;
        TORCH_CHECK(self != nullptr, "target tensor handle is null");
        self->value.mul_(factor);
    });
}

tc_error* tc_relu_(tc_tensor* self) {
    return tc::guarded("relu_", [&] {
        TORCH_CHECK(self != nullptr, "target tensor handle is null");
        self->value.relu_();
    });
}

tc_error* tc_add_(tc_tensor* self, const tc_tensor* other) {
    return tc::guarded("add_", [&] {
        TORCH_CHECK(self != nullptr, "target tensor handle is null");
        self->value.add_(tc::ref(other, "other"));
    });
}

tc_error* tc_inplace_fill(tc_tensor* self, double value) {
    return tc::guarded("inplace_fill", [&] {
        at::NoGradGuard no_grad;
        TORCH_CHECK(self != nullptr, "target tensor handle is null");
        self->value.fill_(value);
    });
}

}  // extern "C"
