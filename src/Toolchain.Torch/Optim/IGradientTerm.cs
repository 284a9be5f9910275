namespace Toolchain.Torch.Optim;

/// <summary>
/// A term added to a parameter's gradient after backward and before the update, e.g. a growing L2 penalty
/// <c>grad += λ·w</c> on chosen channels (GReg) or a selective decay (SWD). Terms run inside a no-grad scope
/// and modify <paramref name="grad"/> in place; temporaries they create are disposed after the parameter's update.
/// </summary>
public interface IGradientTerm
{
    void Apply(Parameter parameter, Tensor grad);
}
