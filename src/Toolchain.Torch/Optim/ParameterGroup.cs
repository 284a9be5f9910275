namespace Toolchain.Torch.Optim;

/// <summary>
/// Parameters sharing hyper-parameters (e.g. BatchNorm and biases without weight decay). Values left null take
/// the optimizer's defaults. <see cref="LearningRate"/> is the current rate; schedules scale it from the base.
/// </summary>
public sealed class ParameterGroup(IEnumerable<Parameter> parameters, double? learningRate = null, double? weightDecay = null)
{
    public IReadOnlyList<Parameter> Parameters { get; } = parameters.ToArray();

    /// <summary>The rate a schedule's factor 1.0 means; null until the optimizer resolves its default.</summary>
    public double? BaseLearningRate { get; internal set; } = learningRate;

    public double LearningRate { get; set; } = learningRate ?? double.NaN;

    public double? WeightDecay { get; internal set; } = weightDecay;
}
