namespace Toolchain.Torch;

/// <summary>Device kinds. The numeric values are the native ABI codes.</summary>
public enum DeviceKind
{
    Cpu = 0,
    Cuda = 1,
}

/// <summary>Where a tensor lives.</summary>
public readonly record struct Device(DeviceKind Kind, int Index = 0)
{
    public static Device Cpu { get; } = new(DeviceKind.Cpu, -1);

    public static Device Cuda(int index = 0) => new(DeviceKind.Cuda, index);

    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";
}
