using Toolchain.Torch.Interop;

namespace Toolchain.Torch;

/// <summary>How a loss reduces over the batch; values are the native codes.</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}

/// <summary>Neural-network functions with the semantics of <c>torch.nn.functional</c>.</summary>
public static class Functional
{
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(input, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups) =>
        new(TorchInterop.Conv2d(input.Handle, weight.Handle, bias?.Handle, stride, padding, dilation, groups));

    /// <summary>
    /// Batch normalisation over [N, C, …]. In training it normalises with the batch statistics and updates
    /// <paramref name="runningMean"/>/<paramref name="runningVar"/> in place (unbiased variance, as PyTorch).
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum = 0.1, double eps = 1e-5) =>
        new(TorchInterop.BatchNorm(input.Handle, weight?.Handle, bias?.Handle, runningMean?.Handle, runningVar?.Handle, training, momentum, eps));

    /// <summary>y = x·Wᵀ + b with W of shape [out, in].</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) =>
        new(TorchInterop.Linear(input.Handle, weight.Handle, bias?.Handle));

    public static Tensor MaxPool2d(Tensor input, int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        var s = stride ?? kernel;
        return new(TorchInterop.MaxPool2d(input.Handle, (kernel, kernel), (s, s), (padding, padding), (dilation, dilation), ceilMode));
    }

    public static Tensor AvgPool2d(Tensor input, int kernel, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
    {
        var s = stride ?? kernel;
        return new(TorchInterop.AvgPool2d(input.Handle, (kernel, kernel), (s, s), (padding, padding), ceilMode, countIncludePad));
    }

    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputH, int outputW) =>
        new(TorchInterop.AdaptiveAvgPool2d(input.Handle, outputH, outputW));

    /// <summary>
    /// F.interpolate of an NCHW tensor to <paramref name="size"/>, nearest (PyTorch's legacy mode: source index
    /// floor(dst / scale)) or bilinear. <paramref name="scale"/> is the scale factor the coordinate mapping uses
    /// (F.interpolate's scale_factor); null maps with in / out, as F.interpolate given a size does.
    /// </summary>
    public static Tensor Interpolate(Tensor input, (long H, long W) size, bool bilinear, bool alignCorners = false, (double H, double W)? scale = null) =>
        new(TorchInterop.Upsample2d(input.Handle, bilinear, size.H, size.W, alignCorners, scale?.H ?? 0, scale?.W ?? 0));

    /// <summary>Zeroes elements with probability p and scales the rest by 1/(1−p) when training; identity otherwise.</summary>
    public static Tensor Dropout(Tensor input, double p, bool training) => new(TorchInterop.Dropout(input.Handle, p, training));

    public static Tensor Softmax(Tensor input, long dim) => new(TorchInterop.Softmax(input.Handle, dim, log: false));

    public static Tensor LogSoftmax(Tensor input, long dim) => new(TorchInterop.Softmax(input.Handle, dim, log: true));

    /// <summary>Cross-entropy of logits [N, C] against int64 class indices [N], with optional label smoothing.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, double labelSmoothing = 0, Reduction reduction = Reduction.Mean) =>
        new(TorchInterop.CrossEntropy(logits.Handle, target.Handle, labelSmoothing, reduction));
}
