using Toolchain.Torch;
using Toolchain.Torch.Optim;

namespace Toolchain.Methods;

/// <summary>
/// GReg's penalty on the gradient: for every parameter slice tied to a layer's channel c (a conv's filter c, axis 0),
/// <c>grad_c += λ_c · w_c</c> — the gradient of λ_c/2 · ‖w_c‖². Ordinary weight decay still applies on top.
/// </summary>
public sealed class GregTerm(IReadOnlyDictionary<Parameter, GregLayer> layers) : IGradientTerm
{
    public void Apply(Parameter parameter, Tensor grad)
    {
        if (!layers.TryGetValue(parameter, out var layer)) return;
        var shape = parameter.Shape;
        if (shape[0] != layer.Channels)
        {
            throw new InvalidOperationException($"GReg: parameter '{parameter.Name}' has {shape[0]} channels on axis 0 but layer '{layer.Name}' has {layer.Channels}");
        }

        // λ as [channels, 1, 1, …] so it broadcasts over each channel's slice.
        long[] lambdaShape = [layer.Channels, .. Enumerable.Repeat(1L, shape.Length - 1)];
        var lambda = Tensor.FromArray(layer.Lambda.Select(l => (float)l).ToArray(), lambdaShape);
        grad.Add_(lambda * parameter.Value);
    }
}
