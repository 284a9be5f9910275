using Toolchain.Torch;

namespace Toolchain.Graph;

/// <summary>
/// What the forward uses instead of a parameter's value (<see cref="ModelGraph.SetParameterTransform"/>): a new tensor
/// computed from <paramref name="value"/> (the parameter's leaf; never disposed or changed by the transform), in
/// training or in evaluation mode (<paramref name="training"/>), e.g. LTP's soft mask while training and its hard
/// mask when evaluating. The result belongs to the dispose scope open when it is called (the forward's).
/// </summary>
public delegate Tensor ParameterTransform(Tensor value, bool training);
