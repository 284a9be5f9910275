using Toolchain.Torch;
using Toolchain.Torch.Optim;

namespace Toolchain.Methods;

/// <summary>
/// GReg's penalty on the gradient: for every row r of a target parameter's axis 0 (a conv filter) belonging to
/// channel c, <c>grad_r += λ_c · w_r</c> — the gradient of λ_c/2 · ‖w_r‖². Ordinary weight decay still applies on top.
/// </summary>
public sealed class GregTerm : IGradientTerm
{
    private readonly Dictionary<Parameter, List<GregTarget>> _targets = [];

    public GregTerm(IEnumerable<GregTarget> targets)
    {
        foreach (var target in targets)
        {
            if (target.RowChannel.Count != target.Parameter.Shape[0])
            {
                throw new ArgumentException($"GReg: parameter '{target.Parameter.Name}' has {target.Parameter.Shape[0]} rows on axis 0 but its map to layer '{target.Layer.Name}' has {target.RowChannel.Count}");
            }

            if (!_targets.TryGetValue(target.Parameter, out var list)) _targets[target.Parameter] = list = [];
            list.Add(target);
        }
    }

    public void Apply(Parameter parameter, Tensor grad)
    {
        if (!_targets.TryGetValue(parameter, out var targets)) return;
        var shape = parameter.Shape;
        var lambda = new float[shape[0]];
        foreach (var target in targets)
        {
            for (var r = 0; r < lambda.Length; r++)
            {
                var channel = target.RowChannel[r];
                if (channel >= 0) lambda[r] += (float)target.Layer.Lambda[channel];
            }
        }

        // λ as [rows, 1, 1, …] so it broadcasts over each row's slice.
        long[] lambdaShape = [shape[0], .. Enumerable.Repeat(1L, shape.Length - 1)];
        grad.Add_(Tensor.FromArray(lambda, lambdaShape) * parameter.Value);
    }
}
