namespace Toolchain.Graph;

/// <summary>
/// Parameter and MAC counts with the conventions of published tables: MACs come from conv
/// (kh·kw·(C_in/groups)·C_out·H_out·W_out) and Gemm (in·out) per sample; normalisation, activations, pooling and
/// elementwise ops count none. Parameters are the trainable ones (BatchNorm running statistics excluded).
/// </summary>
public static class CostCounter
{
    public static long Parameters(Node node, Func<string, long[]?> tensorShape) =>
        node.Tensors.Where(t => t.Key.IsTrainable()).Sum(t => Shapes.Product(tensorShape(t.Value) ?? []));

    public static long Macs(Node node, IReadOnlyDictionary<string, long[]> valueShapes, Func<string, long[]?> tensorShape) => node.Op switch
    {
        // weight [C_out, C_in/groups, kh, kw] already holds C_out·(C_in/groups)·kh·kw
        OpKind.Conv => Shapes.Product(tensorShape(node.TensorName(TensorRole.Weight)!)!) * valueShapes[node.Output][2] * valueShapes[node.Output][3],
        OpKind.Gemm => Shapes.Product(tensorShape(node.TensorName(TensorRole.Weight)!)!),
        // Padding and means are data movement and additions, not multiply-accumulates: counted as pooling is. So is
        // Resize: bilinear interpolation does 3 multiply-adds per output element, but the published tables (and
        // torchvision's own GFLOPS of its segmentation models) count convolutions and linear layers only.
        OpKind.BatchNorm or OpKind.Relu or OpKind.Relu6 or OpKind.Clip or OpKind.HardSwish or OpKind.HardSigmoid
            or OpKind.Sigmoid or OpKind.SiLU or OpKind.Gelu or OpKind.Add or OpKind.Mul or OpKind.Concat or OpKind.Split or OpKind.Slice
            or OpKind.MaxPool or OpKind.AveragePool or OpKind.GlobalAveragePool or OpKind.Flatten or OpKind.Reshape
            or OpKind.Transpose or OpKind.Dropout or OpKind.Identity or OpKind.Pad or OpKind.ReduceMean or OpKind.LayerNorm
            or OpKind.Resize => 0,
    };
}
