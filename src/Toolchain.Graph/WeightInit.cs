namespace Toolchain.Graph;

/// <summary>How <see cref="GraphBuilder"/> initialises conv weights (conv biases start at zero, as torchvision does).</summary>
public enum ConvInit
{
    /// <summary>Kaiming-normal, fan_out, ReLU gain: torchvision's ResNet/VGG/MobileNet init.</summary>
    KaimingNormalFanOut,

    /// <summary>PyTorch's nn.Conv2d default (uniform ±1/√fan_in, bias likewise).</summary>
    PyTorchDefault,
}

/// <summary>How <see cref="GraphBuilder"/> initialises Gemm (Linear) layers.</summary>
public enum LinearInit
{
    /// <summary>PyTorch's nn.Linear default: weight and bias uniform ±1/√in (torchvision ResNet's fc).</summary>
    PyTorchDefault,

    /// <summary>Weight normal(0, 0.01), bias 0 (torchvision VGG and MobileNetV2 classifiers).</summary>
    Normal001,
}
