namespace Toolchain.Pipeline;

/// <summary>What a <see cref="PredictJob"/> tells whoever runs it: warnings about the profile, the prediction as soon as it is made, and the validation's progress.</summary>
public interface IPredictObserver : IJobObserver
{
    /// <summary>Something that makes the prediction less trustworthy here (a profile from another device, an uncalibrated model).</summary>
    void Warning(string message);

    /// <summary>The prediction, before any validation measures it (<see cref="PredictResult.Validation"/> is null here).</summary>
    void Predicted(PredictResult result);
}
