using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// What LTP's two modes share: the learned thresholds τ (one scalar per layer or channel group, trained by plain SGD
/// with their own learning rate and no weight decay, outside the graph so they are never exported or counted), the
/// transforms that make the forward use the soft mask while training and the hard mask while evaluating, and the trail
/// of progressively sparser points: after each epoch's hard-mask evaluation, the most accurate point that meets the
/// budget so far is kept (weights, BatchNorm statistics and τ), and <see cref="RestorePick"/> goes back to it.
/// </summary>
public abstract class LtpThresholds : ITrainingHook, IMethodState, IDisposable
{
    private readonly List<Parameter> _thresholds = [];
    private Dictionary<string, Tensor>? _best;
    private double[]? _bestThresholds;

    protected LtpThresholds(ModelGraph graph, LtpSettings settings)
    {
        settings.Validate();
        Graph = graph;
        Settings = settings;
    }

    protected ModelGraph Graph { get; }

    protected LtpSettings Settings { get; }

    /// <summary>τ, one per layer (unstructured) or channel group (structured), in a fixed order.</summary>
    public IReadOnlyList<Parameter> Thresholds => _thresholds;

    /// <summary>The current τ values.</summary>
    public double[] ThresholdValues() => _thresholds.Select(t => t.Value.Item()).ToArray();

    /// <summary>The epoch and top-1 of the kept trail point; null until one met the budget.</summary>
    public (int Epoch, double Top1)? Pick { get; private set; }

    protected Parameter AddThreshold(string name)
    {
        var threshold = new Parameter($"ltp.tau.{name}", Tensor.Scalar(Settings.ThresholdInit));
        _thresholds.Add(threshold);
        return threshold;
    }

    /// <summary>Whether the current hard mask meets the budget (a trail point that may be picked).</summary>
    protected abstract bool HardMaskMeetsBudget();

    /// <summary>Host-side additions to τ's gradient (structured: the budget penalty through the soft widths); none by default.</summary>
    protected virtual void AddThresholdGradients(double[] gradients)
    {
    }

    public virtual Tensor? ExtraLoss(TrainingStep step, Tensor logits) => null;

    /// <summary>τ ← τ − lr · ∂loss/∂τ (no momentum, no weight decay), then τ's gradient is cleared.</summary>
    public void AfterBackward(TrainingStep step)
    {
        var gradients = new double[_thresholds.Count];
        for (var i = 0; i < _thresholds.Count; i++)
        {
            using var grad = _thresholds[i].Grad;
            gradients[i] = grad?.Item() ?? 0;
        }

        AddThresholdGradients(gradients);
        using var noGrad = Libtorch.NoGrad();
        for (var i = 0; i < _thresholds.Count; i++)
        {
            if (!double.IsFinite(gradients[i])) throw new InvalidOperationException($"LTP: the gradient of {_thresholds[i].Name} is {gradients[i]} (lower --ltp-lambda or --ltp-tau-lr)");
            using var update = Tensor.Scalar(-Settings.ThresholdLearningRate * gradients[i]);
            _thresholds[i].Value.Add_(update);
            _thresholds[i].ZeroGrad();
        }
    }

    /// <summary>After the optimizer's update; nothing by default (structured: the early cut).</summary>
    public virtual void AfterStep(TrainingStep step)
    {
    }

    /// <summary>After the epoch's evaluation (hard mask): keep this point when it meets the budget and beats the kept one.</summary>
    public void AfterEpoch(EpochReport report)
    {
        var top1 = report.TestTop1;
        if (double.IsNaN(top1) || !HardMaskMeetsBudget() || (Pick is { } pick && top1 <= pick.Top1)) return;
        DisposeBest();
        using var noGrad = Libtorch.NoGrad();
        _best = Graph.StateDict().ToDictionary(s => s.Key, s =>
        {
            using var detached = s.Value.Detach();
            return detached.Clone().DetachFromScope();
        });
        _bestThresholds = ThresholdValues();
        Pick = (report.Epoch, top1);
    }

    /// <summary>Goes back to the kept trail point (weights, BatchNorm statistics, τ); false when no point met the budget.</summary>
    public bool RestorePick()
    {
        if (_best is null) return false;
        var best = _best;
        _best = null; // the graph takes the tensors
        Graph.Edit(best);
        using var noGrad = Libtorch.NoGrad();
        for (var i = 0; i < _thresholds.Count; i++)
        {
            using var value = Tensor.Scalar(_bestThresholds![i]);
            _thresholds[i].Value.Copy_(value);
        }

        return true;
    }

    /// <summary>
    /// τ and the kept point's epoch and accuracy. The kept point's weights are not in the checkpoint (they would double
    /// its size): a resumed run keeps picking among the epochs after the resume, and one that beat them all before the
    /// interruption is named in the pick's note.
    /// </summary>
    public virtual JsonNode Save() => new JsonObject
    {
        ["thresholds"] = new JsonArray(ThresholdValues().Select(v => (JsonNode)v).ToArray()),
        ["pickEpoch"] = Pick?.Epoch, ["pickTop1"] = Pick?.Top1,
    };

    public virtual void Restore(JsonNode state)
    {
        var values = state["thresholds"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        if (values.Length != _thresholds.Count) throw new InvalidDataException($"the checkpoint has {values.Length} LTP thresholds, the model {_thresholds.Count}");
        using var noGrad = Libtorch.NoGrad();
        for (var i = 0; i < values.Length; i++)
        {
            using var value = Tensor.Scalar(values[i]);
            _thresholds[i].Value.Copy_(value);
        }

        LostPick = state["pickEpoch"] is { } epoch ? (epoch.GetValue<int>(), state["pickTop1"]!.GetValue<double>()) : null;
    }

    /// <summary>A resumed run: the point the interrupted run had kept (its weights are gone), if any.</summary>
    public (int Epoch, double Top1)? LostPick { get; private set; }

    public virtual void Dispose()
    {
        foreach (var name in Graph.TransformedParameters.ToList()) Graph.SetParameterTransform(name, null);
        foreach (var t in _thresholds) t.Dispose();
        _thresholds.Clear();
        DisposeBest();
        GC.SuppressFinalize(this);
    }

    private void DisposeBest()
    {
        if (_best is null) return;
        foreach (var t in _best.Values) t.Dispose();
        _best = null;
    }
}
