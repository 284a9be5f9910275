// Shape and layout operations: views, slices, joins, copies, device/dtype moves.
#include <vector>

#include "internal.h"

namespace {

std::vector<at::Tensor> gather(tc_tensor* const* tensors, int32_t count) {
    TORCH_CHECK(count > 0 && tensors != nullptr, "need at least one tensor, got ", count);
    std::vector<at::Tensor> list;
    list.reserve(static_cast<size_t>(count));
    for (int32_t i = 0; i < count; ++i) list.push_back(tc::ref(tensors[i]));
    return list;
}

}  // namespace

extern "C" {

tc_error* tc_reshape(const tc_tensor* x, const int64_t* shape, int32_t ndim, tc_tensor** out) {
    return tc::guarded("reshape", [&] { tc::emit(out, tc::ref(x).reshape(tc::dims(shape, ndim))); });
}

tc_error* tc_view(const tc_tensor* x, const int64_t* shape, int32_t ndim, tc_tensor** out) {
    return tc::guarded("view", [&] { tc::emit(out, tc::ref(x).view(tc::dims(shape, ndim))); });
}

tc_error* tc_expand(const tc_tensor* x, const int64_t* shape, int32_t ndim, tc_tensor** out) {
    return tc::guarded("expand", [&] { tc::emit(out, tc::ref(x).expand(tc::dims(shape, ndim))); });
}

tc_error* tc_permute(const tc_tensor* x, const int64_t* dims, int32_t ndim, tc_tensor** out) {
    return tc::guarded("permute", [&] { tc::emit(out, tc::ref(x).permute(tc::dims(dims, ndim))); });
}

tc_error* tc_transpose(const tc_tensor* x, int64_t dim0, int64_t dim1, tc_tensor** out) {
    return tc::guarded("transpose", [&] { tc::emit(out, tc::ref(x).transpose(dim0, dim1)); });
}

tc_error* tc_flatten(const tc_tensor* x, int64_t start_dim, int64_t end_dim, tc_tensor** out) {
    return tc::guarded("flatten", [&] { tc::emit(out, tc::ref(x).flatten(start_dim, end_dim)); });
}

tc_error* tc_squeeze(const tc_tensor* x, int64_t dim, tc_tensor** out) {
    return tc::guarded("squeeze", [&] { tc::emit(out, tc::ref(x).squeeze(dim)); });
}

tc_error* tc_unsqueeze(const tc_tensor* x, int64_t dim, tc_tensor** out) {
    return tc::guarded("unsqueeze", [&] { tc::emit(out, tc::ref(x).unsqueeze(dim)); });
}

tc_error* tc_slice(const tc_tensor* x, int64_t dim, int64_t start, int64_t end, int64_t step, tc_tensor** out) {
    return tc::guarded("slice", [&] { tc::emit(out, tc::ref(x).slice(dim, start, end, step)); });
}

tc_error* tc_index_select(const tc_tensor* x, int64_t dim, const tc_tensor* index, tc_tensor** out) {
    return tc::guarded("index_select", [&] { tc::emit(out, tc::ref(x).index_select(dim, tc::ref(index, "index"))); });
}

tc_error* tc_cat(tc_tensor* const* tensors, int32_t count, int64_t dim, tc_tensor** out) {
    return tc::guarded("cat", [&] { tc::emit(out, at::cat(gather(tensors, count), dim)); });
}

tc_error* tc_stack(tc_tensor* const* tensors, int32_t count, int64_t dim, tc_tensor** out) {
    return tc::guarded("stack", [&] { tc::emit(out, at::stack(gather(tensors, count), dim)); });
}

tc_error* tc_contiguous(const tc_tensor* x, tc_tensor** out) {
    return tc::guarded("contiguous", [&] { tc::emit(out, tc::ref(x).contiguous()); });
}

tc_error* tc_contiguous_channels_last(const tc_tensor* x, tc_tensor** out) {
    return tc::guarded("contiguous_channels_last", [&] {
        const auto& t = tc::ref(x);
        TORCH_CHECK(t.dim() == 4, "channels-last needs a 4-d NCHW tensor, got ", t.dim(), " dimensions");
        tc::emit(out, t.contiguous(at::MemoryFormat::ChannelsLast));
    });
}

tc_error* tc_clone(const tc_tensor* x, tc_tensor** out) {
    return tc::guarded("clone", [&] { tc::emit(out, tc::ref(x).clone()); });
}

tc_error* tc_detach(const tc_tensor* x, tc_tensor** out) {
    return tc::guarded("detach", [&] { tc::emit(out, tc::ref(x).detach()); });
}

tc_error* tc_alias(const tc_tensor* x, tc_tensor** out) {
    return tc::guarded("alias", [&] { tc::emit(out, tc::ref(x)); });
}

tc_error* tc_to(const tc_tensor* x, int32_t dtype, int32_t device_kind, int32_t device_index, tc_tensor** out) {
    return tc::guarded("to", [&] {
        tc::emit(out, tc::ref(x).to(tc::device(device_kind, device_index), tc::scalar_type(dtype)));
    });
}

}  // extern "C"
