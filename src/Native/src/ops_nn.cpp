// Neural-network functions with the exact semantics of torch.nn.functional.
#include "internal.h"

extern "C" {

tc_error* tc_conv2d(const tc_tensor* x, const tc_tensor* weight, const tc_tensor* bias, int64_t stride_h,
                    int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w,
                    int64_t groups, tc_tensor** out) {
    return tc::guarded("conv2d", [&] {
        tc::emit(out, at::conv2d(tc::ref(x, "input"), tc::ref(weight, "weight"), tc::optional_ref(bias),
                                 {stride_h, stride_w}, {pad_h, pad_w}, {dilation_h, dilation_w}, groups));
    });
}

tc_error* tc_batch_norm(const tc_tensor* x, const tc_tensor* weight, const tc_tensor* bias, tc_tensor* running_mean,
                        tc_tensor* running_var, int32_t training, double momentum, double eps, tc_tensor** out) {
    return tc::guarded("batch_norm", [&] {
        tc::emit(out, at::batch_norm(tc::ref(x, "input"), tc::optional_ref(weight), tc::optional_ref(bias),
                                     tc::optional_ref(running_mean), tc::optional_ref(running_var), training != 0,
                                     momentum, eps, /*cudnn_enabled=*/true));
    });
}

tc_error* tc_linear(const tc_tensor* x, const tc_tensor* weight, const tc_tensor* bias, tc_tensor** out) {
    return tc::guarded("linear", [&] {
        tc::emit(out, at::linear(tc::ref(x, "input"), tc::ref(weight, "weight"), tc::optional_ref(bias)));
    });
}

tc_error* tc_max_pool2d(const tc_tensor* x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
                        int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int32_t ceil_mode,
                        tc_tensor** out) {
    return tc::guarded("max_pool2d", [&] {
        tc::emit(out, at::max_pool2d(tc::ref(x, "input"), {kernel_h, kernel_w}, {stride_h, stride_w}, {pad_h, pad_w},
                                     {dilation_h, dilation_w}, ceil_mode != 0));
    });
}

tc_error* tc_avg_pool2d(const tc_tensor* x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
                        int64_t pad_h, int64_t pad_w, int32_t ceil_mode, int32_t count_include_pad, tc_tensor** out) {
    return tc::guarded("avg_pool2d", [&] {
        tc::emit(out, at::avg_pool2d(tc::ref(x, "input"), {kernel_h, kernel_w}, {stride_h, stride_w}, {pad_h, pad_w},
                                     ceil_mode != 0, count_include_pad != 0));
    });
}

tc_error* tc_adaptive_avg_pool2d(const tc_tensor* x, int64_t out_h, int64_t out_w, tc_tensor** out) {
    return tc::guarded("adaptive_avg_pool2d", [&] {
        tc::emit(out, at::adaptive_avg_pool2d(tc::ref(x, "input"), {out_h, out_w}));
    });
}

tc_error* tc_upsample2d(const tc_tensor* x, int32_t mode, int64_t out_h, int64_t out_w, int32_t align_corners,
                        double scale_h, double scale_w, tc_tensor** out) {
    return tc::guarded("upsample2d", [&] {
        TORCH_CHECK(mode == 0 || mode == 1, "mode must be 0 (nearest) or 1 (bilinear), got ", mode);
        TORCH_CHECK(mode == 1 || align_corners == 0, "align_corners applies to bilinear only");
        // libtorch maps output to input coordinates with 1 / scale when a scale is given, else with in / out.
        const auto sh = scale_h > 0 ? c10::optional<double>(scale_h) : c10::nullopt;
        const auto sw = scale_w > 0 ? c10::optional<double>(scale_w) : c10::nullopt;
        const auto& t = tc::ref(x, "input");
        tc::emit(out, mode == 0 ? at::upsample_nearest2d(t, {out_h, out_w}, sh, sw)
                                : at::upsample_bilinear2d(t, {out_h, out_w}, align_corners != 0, sh, sw));
    });
}

tc_error* tc_dropout(const tc_tensor* x, double p, int32_t training, tc_tensor** out) {
    return tc::guarded("dropout", [&] {
        TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout probability must be in [0, 1], got ", p);
        tc::emit(out, at::dropout(tc::ref(x, "input"), p, training != 0));
    });
}

tc_error* tc_softmax(const tc_tensor* x, int64_t dim, int32_t log, tc_tensor** out) {
    return tc::guarded(log ? "log_softmax" : "softmax", [&] {
        const auto& t = tc::ref(x, "input");
        tc::emit(out, log ? at::log_softmax(t, dim) : at::softmax(t, dim));
    });
}

tc_error* tc_cross_entropy(const tc_tensor* logits, const tc_tensor* target, double label_smoothing,
                           int32_t reduction, tc_tensor** out) {
    return tc::guarded("cross_entropy", [&] {
        TORCH_CHECK(reduction >= 0 && reduction <= 2, "reduction must be 0 (none), 1 (mean) or 2 (sum), got ",
                    reduction);
        // at::Reduction: None = 0, Mean = 1, Sum = 2; ignore_index -100 as in PyTorch.
        tc::emit(out, at::cross_entropy_loss(tc::ref(logits, "logits"), tc::ref(target, "target"), c10::nullopt,
                                             reduction, -100, label_smoothing));
    });
}

}  // extern "C"
