namespace Toolchain.Pipeline.Report;

/// <summary>
/// The trail as accuracy against cost: every evaluated trail point, joined in the order recorded, with the dense model,
/// the chosen point and the budget's limit. The cost axis is the predicted latency when every point has one (a run
/// with a profile), else MACs; the budget line is drawn when a budget is in that unit.
/// </summary>
internal static class TrailChart
{
    private const double Width = 1100;
    private const double Height = 500;
    private const double Left = 80;
    private const double Right = 880;
    private const double Top = 24;
    private const double Bottom = 430;

    /// <summary>The chart, or null when no trail point has an accuracy to plot (a run without test data).</summary>
    public static string? Render(RunReport report)
    {
        var trail = report.Trail;
        var byLatency = trail.Points.Count > 0 && trail.Points.All(p => p.PredictedLatencyMs is not null) && report.Cost.Dense.PredictedLatencyMs is not null;
        Func<TrailPoint, double> cost = byLatency ? p => p.PredictedLatencyMs!.Value : p => p.Macs / 1e6;
        var denseCost = byLatency ? report.Cost.Dense.PredictedLatencyMs!.Value : report.Cost.Dense.Macs / 1e6;
        var budget = report.Budgets.FirstOrDefault(b => b.Unit == (byLatency ? "ms" : "MACs"));
        var budgetCost = budget is null ? (double?)null : byLatency ? budget.Limit : budget.Limit / 1e6;
        var unit = byLatency ? "ms" : "M MACs";

        var points = trail.Points.Select((p, i) => (Point: p, Index: i)).Where(p => p.Point.Top1 is not null).ToList();
        if (points.Count == 0) return null;

        var xs = points.Select(p => cost(p.Point)).Append(denseCost);
        if (budgetCost is { } b) xs = xs.Append(b);
        var ys = points.Select(p => p.Point.Top1!.Value * 100);
        if (report.Accuracy is { } accuracy) ys = ys.Append(accuracy.Dense.Top1 * 100);
        // The axis spans the plotted costs, not 0 upward: a scatter has no bar whose length must start at zero, and the
        // trail's points would otherwise crowd into the right half.
        var xList = xs.ToList();
        var span = xList.Max() - xList.Min();
        var x = new Scale(Math.Max(0, xList.Min() - 0.08 * span), xList.Max() + 0.04 * span, Left, Right);
        var yValues = ys.ToList();
        var y = new Scale(Math.Max(0, yValues.Min() - 2), Math.Min(100, yValues.Max() + 2), Bottom, Top);

        var svg = new Svg(Width, Height, "trail: test top-1 against " + (byLatency ? "predicted latency" : "MACs"));
        Axes.Bottom(svg, x, Bottom, Top, byLatency ? $"predicted latency (ms, batch {BatchOf(report)})" : "MACs per sample (millions)", Text.Tick);
        Axes.Left(svg, y, Left, Right, "test top-1 (%)", v => Text.Number(v, "0.#"));

        if (budgetCost is { } limit)
        {
            var bx = x.Map(limit);
            svg.Line(bx, Top, bx, Bottom, "budget-line");
            svg.Label(bx + 6, Top + 14, $"budget {budget!.Spec}: {Text.Number(limit, "0.###")} {unit}", "budget-label");
        }

        svg.Path(points.Select(p => (x.Map(cost(p.Point)), y.Map(p.Point.Top1!.Value * 100))), "trail-line");
        foreach (var (point, _) in points)
        {
            svg.Circle(x.Map(cost(point)), y.Map(point.Top1!.Value * 100), 4.5, PhaseClass(point.Phase),
                $"{point.Phase} epoch {point.Epoch}: {Text.Number(cost(point), "0.###")} {unit}, top-1 {Text.Percent(point.Top1!.Value)}{(point.BudgetsMet ? "" : ", over budget")}");
        }

        if (report.Accuracy is { } dense)
        {
            svg.Diamond(x.Map(denseCost), y.Map(dense.Dense.Top1 * 100), 8, "dense-point", $"dense: {Text.Number(denseCost, "0.###")} {unit}, top-1 {Text.Percent(dense.Dense.Top1)}");
            // Below the marker: the first pruning epochs sit just left of the dense point, where a label would cover them.
            svg.Label(x.Map(denseCost), y.Map(dense.Dense.Top1 * 100) + 24, "dense", "point-label", "middle");
        }

        if (trail.ChosenIndex is { } chosen && chosen < trail.Points.Count && trail.Points[chosen].Top1 is { } chosenTop1)
        {
            var point = trail.Points[chosen];
            var (cx, cy) = (x.Map(cost(point)), y.Map(chosenTop1 * 100));
            svg.Circle(cx, cy, 10, "chosen-point", $"chosen: {point.Phase} epoch {point.Epoch}, {Text.Number(cost(point), "0.###")} {unit}, top-1 {Text.Percent(chosenTop1)}");
            svg.Label(cx + 14, cy - 10, "chosen", "point-label");
        }

        var legend = points.Select(p => p.Point.Phase).Distinct().Select(phase => (PhaseClass(phase), LegendShape.Dot, PhaseName(phase))).ToList();
        legend.Add(("dense-point", LegendShape.Diamond, "dense model"));
        legend.Add(("chosen-point", LegendShape.Ring, "chosen point"));
        if (budgetCost is not null) legend.Add(("budget-line", LegendShape.Line, "budget limit"));
        Axes.Legend(svg, Right + 30, Top + 20, legend);
        return svg.ToString();
    }

    private static int BatchOf(RunReport report) => report.Latency.Count > 0 ? report.Latency[0].Batch : 1;

    private static string PhaseClass(string phase) => phase switch
    {
        "prune" => "phase-prune",
        "cut" => "phase-cut",
        "finetune" => "phase-finetune",
        _ => "phase-other",
    };

    private static string PhaseName(string phase) => phase switch
    {
        "prune" => "pruning epochs",
        "cut" => "cut, before fine-tuning",
        "finetune" => "fine-tuning epochs",
        _ => phase,
    };
}
