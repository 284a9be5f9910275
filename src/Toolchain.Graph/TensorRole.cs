namespace Toolchain.Graph;

/// <summary>The part a named parameter or buffer plays in its node (the suffix of its state_dict name).</summary>
public enum TensorRole
{
    /// <summary>Conv [out, in/groups, kh, kw], Gemm [out, in], BatchNorm scale [C].</summary>
    Weight,

    /// <summary>Conv/Gemm bias [out], BatchNorm shift [C].</summary>
    Bias,

    /// <summary>BatchNorm running mean [C] (a buffer, not trained).</summary>
    RunningMean,

    /// <summary>BatchNorm running variance [C] (a buffer, not trained).</summary>
    RunningVar,
}

public static class TensorRoleExtensions
{
    /// <summary>The PyTorch state_dict suffix: weight, bias, running_mean, running_var.</summary>
    public static string Suffix(this TensorRole role) => role switch
    {
        TensorRole.Weight => "weight",
        TensorRole.Bias => "bias",
        TensorRole.RunningMean => "running_mean",
        TensorRole.RunningVar => "running_var",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown tensor role"),
    };

    /// <summary>Whether the optimizer trains it (weights and biases) or forward passes update it (running stats).</summary>
    public static bool IsTrainable(this TensorRole role) => role switch
    {
        TensorRole.Weight or TensorRole.Bias => true,
        TensorRole.RunningMean or TensorRole.RunningVar => false,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown tensor role"),
    };

    public static TensorRole ParseRole(string suffix) => suffix switch
    {
        "weight" => TensorRole.Weight,
        "bias" => TensorRole.Bias,
        "running_mean" => TensorRole.RunningMean,
        "running_var" => TensorRole.RunningVar,
        _ => throw new FormatException($"unknown tensor role '{suffix}' (known: weight, bias, running_mean, running_var)"),
    };
}
