namespace Toolchain.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay — the exact update of
/// <c>torch.optim.SGD</c>: d = g + wd·w; b = μ·b + (1−τ)·d (b = d at the first step); d = d + μ·b (Nesterov) or b;
/// w −= lr·d.
/// </summary>
public sealed class Sgd : Optimizer
{
    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double weightDecay = 0, bool nesterov = false, double dampening = 0)
        : this([new ParameterGroup(parameters)], learningRate, momentum, weightDecay, nesterov, dampening)
    {
    }

    public Sgd(IEnumerable<ParameterGroup> groups, double learningRate, double momentum = 0, double weightDecay = 0, bool nesterov = false, double dampening = 0)
        : base(groups, learningRate, weightDecay)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be non-negative");
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException("Nesterov momentum requires momentum > 0 and dampening = 0 (as in PyTorch)");
        }

        Momentum = momentum;
        Nesterov = nesterov;
        Dampening = dampening;
    }

    public double Momentum { get; }

    public bool Nesterov { get; }

    public double Dampening { get; }

    protected override void Update(Parameter parameter, Tensor grad, ParameterGroup group, Dictionary<string, Tensor> state)
    {
        var weightDecay = group.WeightDecay!.Value;
        if (weightDecay != 0) grad.Add_(parameter.Value, weightDecay);
        var direction = grad;
        if (Momentum != 0)
        {
            if (!state.TryGetValue("momentum_buffer", out var buffer))
            {
                buffer = Persistent(grad.Clone());
                state["momentum_buffer"] = buffer;
            }
            else
            {
                buffer.Mul_(Momentum).Add_(grad, 1 - Dampening);
            }

            direction = Nesterov ? grad.Add_(buffer, Momentum) : buffer;
        }

        parameter.Value.Add_(direction, -group.LearningRate);
    }
}
