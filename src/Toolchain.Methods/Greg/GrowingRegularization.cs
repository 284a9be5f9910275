namespace Toolchain.Methods;

/// <summary>
/// The schedule of growing regularization (GReg-1 / GReg-2, Wang et al., ICLR 2021), apart from the tensors: which
/// stage the run is in and every layer's λ. Call <see cref="AfterStep"/> after every optimizer step; every
/// <see cref="GregSettings.UpdateInterval"/> iterations it updates λ as the authors do:
/// <list type="bullet">
/// <item>Picking (GReg-2): λ += PickDelta on every channel; once the largest λ reaches PickCeiling, each layer picks its
/// smallest-magnitude channels and the run grows.</item>
/// <item>Growing: in every layer not yet done, λ[pruned] += Delta (GReg-2 also sets λ[kept] = KeptLambda), then the
/// ratio mean|kept| / mean|pruned| enters its moving average. A layer is done when its largest λ exceeds the ceiling
/// τ; structured GReg-2 also finishes a layer whose ratio passes the threshold, GReg-1 finishes every layer once all
/// ratios pass it.</item>
/// <item>Holding: λ stays as it is for HoldIterations, counted from when the last layer was done; then Finished.</item>
/// </list>
/// The penalty itself is applied by <see cref="GregTerm"/>.
/// </summary>
public sealed class GrowingRegularization
{
    private readonly GregSettings _settings;

    public GrowingRegularization(GregSettings settings, IReadOnlyList<GregLayer> layers, Func<GregLayer, IReadOnlyList<double>> magnitudes)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(magnitudes);
        settings.Validate();
        if (layers.Count == 0) throw new ArgumentException("growing regularization needs at least one layer", nameof(layers));
        _settings = settings;
        Layers = layers;
        Magnitudes = magnitudes;
        // A layer that prunes nothing has nothing to regularize.
        foreach (var layer in layers.Where(l => l.PruneCount == 0)) layer.Done = true;
        if (settings.Variant == GregVariant.Greg1)
        {
            foreach (var layer in layers) layer.Pick(magnitudes(layer));
            Stage = GregStage.Growing;
            FinishIfAllDone(0);
        }
        else
        {
            Stage = GregStage.Picking;
        }
    }

    public IReadOnlyList<GregLayer> Layers { get; }

    /// <summary>Each layer's current per-channel magnitudes (mean |w| of the channel's filter, or |w| unstructured).</summary>
    public Func<GregLayer, IReadOnlyList<double>> Magnitudes { get; }

    public GregStage Stage { get; private set; }

    /// <summary>The iteration at which every layer was done (the hold period starts), or null.</summary>
    public long? AllDoneAt { get; private set; }

    /// <summary>λ updates made so far.</summary>
    public int Updates { get; private set; }

    /// <summary>Advances the schedule after optimizer step <paramref name="iteration"/> (1-based).</summary>
    /// <summary>Everything the schedule has changed so far (stage, counters, every layer's λ, picks and ratio), for a checkpoint.</summary>
    public GregSnapshot Snapshot() => new(Stage, AllDoneAt, Updates,
        Layers.Select(l => new GregLayerSnapshot(l.Name, l.Lambda.ToArray(), l.Pruned?.ToArray(), l.MagnitudeRatio, l.Done)).ToList());

    /// <summary>Continues from <see cref="Snapshot"/> of the same layers.</summary>
    public void Restore(GregSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!snapshot.Layers.Select(l => l.Name).SequenceEqual(Layers.Select(l => l.Name)))
        {
            throw new InvalidDataException($"the saved GReg state is of layers {string.Join(", ", snapshot.Layers.Select(l => l.Name))}, not of {string.Join(", ", Layers.Select(l => l.Name))}");
        }

        foreach (var (layer, saved) in Layers.Zip(snapshot.Layers)) layer.Restore(saved);
        (Stage, AllDoneAt, Updates) = (snapshot.Stage, snapshot.AllDoneAt, snapshot.Updates);
    }

    public void AfterStep(long iteration)
    {
        if (Stage == GregStage.Holding && iteration - AllDoneAt >= _settings.HoldIterations) Stage = GregStage.Finished;
        if (Stage is GregStage.Holding or GregStage.Finished || iteration % _settings.UpdateInterval != 0) return;
        Updates++;
        if (Stage == GregStage.Picking) Pick();
        else Grow(iteration);
    }

    private void Pick()
    {
        foreach (var layer in Layers)
        {
            for (var c = 0; c < layer.Channels; c++) layer.Lambda[c] += _settings.PickDelta;
        }

        if (Layers.Max(l => l.Lambda.Max()) < _settings.PickCeiling) return;
        foreach (var layer in Layers) layer.Pick(Magnitudes(layer));
        Stage = GregStage.Growing;
    }

    private void Grow(long iteration)
    {
        foreach (var layer in Layers.Where(l => !l.Done))
        {
            var pruned = layer.Pruned!;
            for (var c = 0; c < layer.Channels; c++)
            {
                if (pruned[c]) layer.Lambda[c] += _settings.Delta;
                else if (_settings.Variant == GregVariant.Greg2) layer.Lambda[c] = _settings.KeptLambda;
            }

            var ratio = layer.RatioOf(Magnitudes(layer));
            layer.MagnitudeRatio = layer.MagnitudeRatio is { } previous
                ? _settings.RatioMomentum * previous + (1 - _settings.RatioMomentum) * ratio
                : ratio;
            var ceilingReached = layer.Lambda.Max() > _settings.Ceiling;
            var ratioReached = _settings.Structured && _settings.Variant == GregVariant.Greg2 && layer.MagnitudeRatio > _settings.RatioThreshold;
            if (ceilingReached || ratioReached) layer.Done = true;
        }

        // GReg-1's ratio test is global: every layer still regularized must have separated.
        var active = Layers.Where(l => l.PruneCount > 0).ToList();
        if (_settings.Structured && _settings.Variant == GregVariant.Greg1 && active.All(l => l.MagnitudeRatio > _settings.RatioThreshold))
        {
            foreach (var layer in active) layer.Done = true;
        }

        FinishIfAllDone(iteration);
    }

    private void FinishIfAllDone(long iteration)
    {
        if (!Layers.All(l => l.Done)) return;
        Stage = _settings.HoldIterations == 0 ? GregStage.Finished : GregStage.Holding;
        AllDoneAt = iteration;
    }
}

/// <summary>A checkpoint of <see cref="GrowingRegularization"/>.</summary>
public sealed record GregSnapshot(GregStage Stage, long? AllDoneAt, int Updates, IReadOnlyList<GregLayerSnapshot> Layers);

/// <summary>A checkpoint of one <see cref="GregLayer"/>.</summary>
public sealed record GregLayerSnapshot(string Name, double[] Lambda, bool[]? Pruned, double? MagnitudeRatio, bool Done);
