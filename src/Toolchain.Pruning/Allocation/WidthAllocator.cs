namespace Toolchain.Pruning;

/// <summary>
/// Turns channel scores and budgets into kept channels: how wide each group stays so that every budget holds while
/// the channels removed are the least important per unit of the cost they save. Shared by every pruning method;
/// the methods differ in the scores they hand in.
/// </summary>
/// <remarks>
/// <para><b>a. Greedy removal.</b> Starting from full widths, while some budget is violated, one group steps down:
/// by one channel, or with <see cref="AllocationOptions.RoundTo"/> R &gt; 1 to the next multiple of R below (from a full
/// width that is no multiple, to the largest multiple below it). Among the prunable groups above their minimum
/// width (<see cref="BudgetSet.MinimumWidth"/>) it takes the one with the lowest priority
/// <c>s / Σ_b (drop_b / limit_b)</c>: <c>s</c> is the sum of the (normalised) scores of the channels the step removes —
/// the group's weakest kept ones —, the sum runs over the budgets still violated, and <c>drop_b</c> is how much the
/// step lowers budget b's total (for one channel <see cref="ICostModel.Marginal"/>; for a step of several, the
/// difference of the two totals). Dividing by the limit makes the budgets' units comparable. Groups whose step saves
/// nothing (sum ≤ 0) are skipped while any other step saves something; when none does, a step that leaves the
/// totals unchanged is taken before one that raises them, each by the lowest <c>s</c> (ties: the lower group id).
/// Scores are first divided by their group's mean magnitude (<see cref="AllocationOptions.NormalizeScoresPerGroup"/>).
/// With <see cref="AllocationOptions.Guide"/> the sum is replaced by the step's saving of the guide cost over its dense
/// total (MACs, say, under a latency budget), among the steps that still lower a violated budget.</para>
/// <para><b>b. Staircase pass.</b> Deployed latency is a staircase in the width: some widths run slower than wider
/// ones (on ONNX Runtime CPU a randomly pruned ResNet-56 measured slower than the dense one). For each prunable
/// group in id order, the widths w+1 … w+<see cref="AllocationOptions.StaircaseWindow"/> allowed by R (at most its
/// channels) are tried; the group moves to the largest one at which every budget still holds and no budget's total
/// is larger than at w, which puts back its highest-scored removed channels. Passes repeat until nothing moves, so
/// the result never keeps a width that a nearby wider one beats. With the count costs (parameters, MACs), which grow
/// with every channel, nothing ever moves.</para>
/// <para><b>c. Masks.</b> Each group keeps its top-scored channels, ties to the lower index (as <see cref="UniformPruning"/>).</para>
/// <para><b>Cost.</b> Drops are computed only for groups that can step down and cached per budget; after a step,
/// for a <see cref="NodeCostModel"/> only the groups sharing an affected node with the group that changed are
/// recomputed (its marginals are sums over those nodes); any other cost model is asked again for every candidate.
/// Each step evaluates every budget's total once; the staircase pass one total per budget and width tried. ResNet-56
/// (30 prunable groups, 1,120 channels) with params=40% and macs=40% takes about 0.4 s here once warm.</para>
/// </remarks>
public static class WidthAllocator
{
    /// <summary>Allocates widths for <paramref name="budgets"/> from <paramref name="scores"/>.</summary>
    /// <param name="groups">The channel groups <paramref name="budgets"/> were resolved for.</param>
    /// <param name="scores">Per prunable group id, one importance score per channel (higher = keep); entries of
    /// unprunable groups are ignored.</param>
    /// <param name="budgets">The budgets to meet, all of them.</param>
    /// <param name="options">Rounding, normalisation and the staircase window; defaults when null.</param>
    /// <exception cref="ArgumentException">scores missing, of the wrong length or not finite for a prunable group;
    /// budgets resolved for other groups or another RoundTo; options out of range.</exception>
    /// <exception cref="BudgetException">no step is left and a budget still fails (Resolve normally rules this out).</exception>
    public static AllocationResult Allocate(ChannelGroups groups, IReadOnlyDictionary<int, double[]> scores, BudgetSet budgets, AllocationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(budgets);
        options ??= new AllocationOptions();
        Check(groups, budgets, options);
        var run = new Run(groups, budgets, options, CheckScores(groups, scores));
        var removals = run.Greedy() - (options.Refill ? run.Refill() : 0);
        var moves = options.StaircaseWindow > 0 ? run.Staircase() : 0;
        return run.Result(removals, moves);
    }

    private static void Check(ChannelGroups groups, BudgetSet budgets, AllocationOptions options)
    {
        if (options.RoundTo < 1) throw new ArgumentOutOfRangeException(nameof(options), options.RoundTo, "RoundTo must be at least 1");
        if (options.StaircaseWindow < 0) throw new ArgumentOutOfRangeException(nameof(options), options.StaircaseWindow, "StaircaseWindow must be 0 (off) or more");
        if (!ReferenceEquals(budgets.Groups, groups))
        {
            throw new ArgumentException("the budgets were resolved for other channel groups (another graph, or an earlier discovery); resolve them for these groups", nameof(budgets));
        }

        if (budgets.RoundTo != options.RoundTo)
        {
            throw new ArgumentException(
                $"the budgets were resolved for widths in multiples of {budgets.RoundTo} but allocation asks for multiples of {options.RoundTo}; " +
                "resolve the budgets with the same roundTo", nameof(options));
        }
    }

    /// <summary>
    /// Widens the channels a method chose (<paramref name="start"/>, which must meet every budget) with what the
    /// budgets still leave: the staircase pass first (wider widths that cost no more), then refill (with
    /// <see cref="AllocationOptions.Refill"/>: the removed channels, highest score per unit of cost first, while every
    /// budget holds), then the staircase pass again. What <paramref name="start"/> keeps stays kept; each group takes
    /// back its highest-scored removed channels. For methods that learn which channels to drop by pushing them out under
    /// a penalty (HFP, structured LTP): the push stops where the budget is first met, often a costly stair below it.
    /// </summary>
    /// <exception cref="ArgumentException">as <see cref="Allocate"/>; <paramref name="start"/> for other groups, missing a
    /// budget, or wider than the ceiling.</exception>
    public static AllocationResult Widen(ChannelGroups groups, IReadOnlyDictionary<int, double[]> scores, BudgetSet budgets, GroupMasks start, AllocationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(budgets);
        ArgumentNullException.ThrowIfNull(start);
        if (!ReferenceEquals(start.Groups, groups)) throw new ArgumentException("the starting masks belong to other channel groups", nameof(start));
        options ??= new AllocationOptions();
        Check(groups, budgets, options);
        if (!budgets.AllMetBy(start.Widths()))
        {
            throw new ArgumentException("the starting masks miss a budget; widening only adds channels, so it must start from widths that meet every budget", nameof(start));
        }

        var run = new Run(groups, budgets, options, CheckScores(groups, scores), start);
        var moves = options.StaircaseWindow > 0 ? run.Staircase() : 0;
        var added = options.Refill ? run.Refill() : 0;
        moves += options.StaircaseWindow > 0 ? run.Staircase() : 0;
        return run.Result(-added, moves);
    }

    private static Dictionary<int, double[]> CheckScores(ChannelGroups groups, IReadOnlyDictionary<int, double[]> scores)
    {
        var checkedScores = new Dictionary<int, double[]>();
        foreach (var g in groups.Prunable)
        {
            if (!scores.TryGetValue(g.Id, out var s) || s is null)
            {
                throw new ArgumentException($"no scores for prunable group {g.Id} '{g.Name}'; give every prunable group one score per channel (IChannelImportance.Score)", nameof(scores));
            }

            if (s.Length != g.Channels)
            {
                throw new ArgumentException($"group {g.Id} '{g.Name}' has {g.Channels} channels but {s.Length} scores; give one score per channel", nameof(scores));
            }

            var bad = Array.FindIndex(s, x => !double.IsFinite(x));
            if (bad >= 0)
            {
                throw new ArgumentException($"score {bad} of group {g.Id} '{g.Name}' is {s[bad]}; scores must be finite numbers", nameof(scores));
            }

            checkedScores[g.Id] = s;
        }

        return checkedScores;
    }

    /// <summary>The state of one allocation.</summary>
    private sealed class Run
    {
        private readonly ChannelGroups _groups;
        private readonly IReadOnlyList<Budget> _budgets;
        private readonly int _roundTo;
        private readonly int _window;
        private readonly bool _costAware;
        private readonly bool _shareOfKept;
        private readonly ICostModel? _guide;
        private readonly double _guideDense;
        private readonly int[] _prunable;
        private readonly int[] _widths;
        private readonly int[] _ceiling;          // the widest each group may be (full widths unless a ceiling is given)
        private readonly int[] _minimum;
        private readonly int[][] _order;          // channel indices by score, best first (ties: lower index)
        private readonly double[][] _ranked;      // normalised score of the i-th best channel
        private readonly double[][] _drop;        // cached step drop per budget and group
        private readonly bool[][] _known;         // whether _drop holds the value for the current widths
        private readonly bool[] _local;           // whether a budget's cost is a NodeCostModel over these groups
        private readonly int[][] _neighbours;     // prunable groups sharing an affected node, per group

        /// <param name="start">Null: every group starts at its ceiling. Else the widths to start from (each within its
        /// minimum and ceiling) with their kept channels ranked first, so any width at or above the start keeps them.</param>
        public Run(ChannelGroups groups, BudgetSet budgets, AllocationOptions options, Dictionary<int, double[]> scores, GroupMasks? start = null)
        {
            _groups = groups;
            _budgets = budgets.Budgets;
            _roundTo = options.RoundTo;
            _window = options.StaircaseWindow;
            _costAware = options.CostAware;
            _shareOfKept = options.ShareOfKept;
            _guide = options.Guide;
            _prunable = groups.Prunable.Select(g => g.Id).ToArray();
            _guideDense = _guide is null ? 1 : Math.Max(double.Epsilon, Math.Abs(_guide.Total(groups.FullWidths())));
            _minimum = BudgetSet.MinimumWidths(groups, _roundTo);
            _ceiling = CheckCeiling(groups, options.Ceiling, _minimum);
            _widths = start is null ? (int[])_ceiling.Clone() : CheckStart(groups, start, _ceiling);
            _order = new int[groups.Count][];
            _ranked = new double[groups.Count][];
            foreach (var g in _prunable)
            {
                var s = scores[g];
                var kept = start?.Keep(g);
                _order[g] = Enumerable.Range(0, s.Length).OrderByDescending(c => kept is not null && kept[c]).ThenByDescending(c => s[c]).ThenBy(c => c).ToArray();
                var scale = 1.0;
                if (options.NormalizeScoresPerGroup)
                {
                    var mean = s.Average(Math.Abs);
                    if (mean > 0 && double.IsFinite(mean)) scale = mean;
                }

                _ranked[g] = _order[g].Select(c => s[c] / scale).ToArray();
            }

            _drop = _budgets.Select(_ => new double[groups.Count]).ToArray();
            _known = _budgets.Select(_ => new bool[groups.Count]).ToArray();
            _local = _budgets.Select(b => b.Cost is NodeCostModel n && ReferenceEquals(n.Groups, groups)).ToArray();
            _neighbours = Neighbours(groups, _prunable);
        }

        /// <summary>Steps groups down until every budget holds; returns the number of steps.</summary>
        public int Greedy()
        {
            var removals = 0;
            while (true)
            {
                var totals = Totals(_widths);
                var violated = Enumerable.Range(0, _budgets.Count).Where(b => !_budgets[b].IsMet(totals[b])).ToArray();
                if (violated.Length == 0) return removals;

                var chosen = Choose(violated, totals);
                if (chosen < 0)
                {
                    var failing = string.Join("; ", violated.Select(b => _budgets[b].Describe(totals[b])));
                    throw new BudgetException($"every prunable group is at its minimum width and budgets still fail: {failing}; raise them");
                }

                _widths[chosen] = Lower(chosen, _widths[chosen]);
                removals++;
                Invalidate(chosen);
            }
        }

        /// <summary>
        /// Greedy removal stops at the first widths that meet every budget, which can land a whole step of a costly
        /// group below a limit. This gives steps back — the one losing the most score per unit of cost first, by the
        /// same priority as removal — while every budget still holds; returns how many.
        /// </summary>
        public int Refill()
        {
            var added = 0;
            var totals = Totals(_widths);
            var scratch = (int[])_widths.Clone();
            while (true)
            {
                var (best, bestKey, bestTotals) = (-1, double.NegativeInfinity, Array.Empty<double>());
                foreach (var g in _prunable)
                {
                    var w = _widths[g];
                    if (w >= _ceiling[g]) continue;
                    var next = Math.Min(Next(g, w), _ceiling[g]);
                    scratch[g] = next;
                    var t = Totals(scratch);
                    var guided = _guide is null ? 0 : (_guide.Total(scratch) - _guide.Total(_widths)) / _guideDense;
                    scratch[g] = w;
                    if (!Enumerable.Range(0, _budgets.Count).All(b => _budgets[b].IsMet(t[b]))) continue;
                    var cost = _guide is null ? Enumerable.Range(0, _budgets.Count).Sum(b => (t[b] - totals[b]) / _budgets[b].Limit) : guided;
                    var gain = StepScore(g, w, next);
                    var key = cost > 0 && _costAware ? gain / cost : gain;
                    if (key > bestKey) (best, bestKey, bestTotals) = (g, key, t);
                }

                if (best < 0) return added;
                _widths[best] = scratch[best] = Next(best, _widths[best]);
                totals = bestTotals;
                added++;
            }
        }

        /// <summary>The next allowed width above <paramref name="w"/> (the inverse of <see cref="Lower"/>).</summary>
        private int Next(int g, int w)
        {
            var channels = _groups[g].Channels;
            if (_roundTo == 1 || channels < _roundTo) return w + 1;
            return Math.Min(channels, (w / _roundTo + 1) * _roundTo);
        }

        /// <summary>Widens groups to nearby widths that are no costlier; returns the number of moves.</summary>
        public int Staircase()
        {
            var moves = 0;
            var totals = Totals(_widths);
            var scratch = (int[])_widths.Clone();
            bool moved;
            do
            {
                moved = false;
                foreach (var g in _prunable)
                {
                    var (best, bestTotals) = (-1, Array.Empty<double>());
                    foreach (var wider in Higher(g, _widths[g]))
                    {
                        scratch[g] = wider;
                        var t = Totals(scratch);
                        var fits = Enumerable.Range(0, _budgets.Count).All(b =>
                            _budgets[b].IsMet(t[b]) && t[b] <= totals[b] + Budget.Tolerance * Math.Abs(totals[b]));
                        if (fits) (best, bestTotals) = (wider, t);
                    }

                    if (best < 0)
                    {
                        scratch[g] = _widths[g];
                        continue;
                    }

                    _widths[g] = scratch[g] = best;
                    totals = bestTotals;
                    moves++;
                    moved = true;
                }
            }
            while (moved);

            return moves;
        }

        public AllocationResult Result(int removals, int moves)
        {
            var masks = new GroupMasks(_groups);
            foreach (var g in _prunable)
            {
                if (_widths[g] < _groups[g].Channels) masks.KeepOnly(g, _order[g].Take(_widths[g]));
            }

            var totals = Totals(_widths);
            var outcomes = _budgets.Select((b, i) => new BudgetOutcome(b, totals[i])).ToList();
            return new AllocationResult((int[])_widths.Clone(), masks, outcomes, removals, moves);
        }

        /// <summary>The group whose step has the lowest priority, or −1 when no group can step down.</summary>
        private int Choose(int[] violated, double[] totals)
        {
            // Tier 0: the step saves something (priority = s / saving, or s alone when not cost-aware); 1: it saves nothing; 2: it costs more.
            var (best, bestTier, bestKey) = (-1, int.MaxValue, double.PositiveInfinity);
            foreach (var g in _prunable)
            {
                var w = _widths[g];
                if (w <= _minimum[g]) continue;
                var lower = Lower(g, w);
                var s = StepScore(g, lower, w);
                var saving = 0.0;
                foreach (var b in violated) saving += Drop(b, g, totals[b]) / _budgets[b].Limit;
                // Guided, the step must still help a violated budget (the tier), but is ranked by what it saves of the guide.
                var ranking = _guide is null ? saving : GuideDrop(g, lower) / _guideDense;
                var (tier, key) = saving > 0 ? (0, _costAware && ranking > 0 ? s / ranking : s) : (saving == 0 ? 1 : 2, s);
                if (tier < bestTier || tier == bestTier && key < bestKey) (best, bestTier, bestKey) = (g, tier, key);
            }

            return best;
        }

        /// <summary>
        /// What removing the channels ranked <paramref name="lower"/>..<paramref name="w"/> of group g loses: their scores, or
        /// with <see cref="AllocationOptions.ShareOfKept"/> their share of what the group keeps now, times the group's
        /// mean score at full width — so a channel weighs more the fewer remain, and no group is emptied just because
        /// its channels are the costliest.
        /// </summary>
        private double StepScore(int g, int lower, int w)
        {
            var ranked = _ranked[g];
            double removed = 0, kept = 0;
            for (var i = lower; i < w; i++) removed += ranked[i];
            if (!_shareOfKept) return removed;
            for (var i = 0; i < w; i++) kept += ranked[i];
            return kept > 0 ? removed / kept * ranked.Sum() / ranked.Length : removed;
        }

        /// <summary>How much budget b's total (<paramref name="total"/> now) drops when group g takes its next step down (cached).</summary>
        private double Drop(int b, int g, double total)
        {
            if (_known[b][g]) return _drop[b][g];
            var cost = _budgets[b].Cost;
            var w = _widths[g];
            var lower = Lower(g, w);
            double drop;
            if (w - lower == 1)
            {
                drop = cost.Marginal(_widths, g);
            }
            else
            {
                // A step of several channels: one total instead of a marginal per channel.
                var at = (int[])_widths.Clone();
                at[g] = lower;
                drop = total - cost.Total(at);
            }

            _drop[b][g] = drop;
            _known[b][g] = true;
            return drop;
        }

        /// <summary>How much the guide cost drops when group g steps down to <paramref name="lower"/> (not cached: a comparison aid).</summary>
        private double GuideDrop(int g, int lower)
        {
            if (_widths[g] - lower == 1) return _guide!.Marginal(_widths, g);
            var at = (int[])_widths.Clone();
            at[g] = lower;
            return _guide!.Total(_widths) - _guide.Total(at);
        }

        private void Invalidate(int changed)
        {
            for (var b = 0; b < _budgets.Count; b++)
            {
                if (_local[b])
                {
                    foreach (var g in _neighbours[changed]) _known[b][g] = false;
                }
                else
                {
                    Array.Clear(_known[b]);
                }
            }
        }

        private double[] Totals(int[] widths) => _budgets.Select(b => b.Cost.Total(widths)).ToArray();

        /// <summary>The next allowed width below <paramref name="w"/>.</summary>
        private int Lower(int g, int w)
        {
            var channels = _groups[g].Channels;
            if (_roundTo == 1 || channels < _roundTo) return w - 1;
            return w % _roundTo != 0 ? w / _roundTo * _roundTo : w - _roundTo;
        }

        /// <summary>The allowed widths above <paramref name="w"/> within the staircase window, ascending.</summary>
        private IEnumerable<int> Higher(int g, int w)
        {
            var channels = _groups[g].Channels;
            var top = Math.Min(_ceiling[g], w + _window);
            for (var x = w + 1; x <= top; x++)
            {
                if (_roundTo == 1 || channels < _roundTo || x % _roundTo == 0 || x == channels || x == _ceiling[g]) yield return x;
            }
        }

        private static int[] CheckStart(ChannelGroups groups, GroupMasks start, int[] ceiling)
        {
            var widths = start.Widths();
            foreach (var g in groups.Groups)
            {
                if (widths[g.Id] < 1 || widths[g.Id] > ceiling[g.Id])
                {
                    throw new ArgumentException($"the starting width of group {g.Id} '{g.Name}' is {widths[g.Id]}; it lies in 1..{ceiling[g.Id]} (the ceiling)", nameof(start));
                }
            }

            return widths;
        }

        private static int[] CheckCeiling(ChannelGroups groups, IReadOnlyList<int>? ceiling, int[] minimum)
        {
            if (ceiling is null) return groups.FullWidths();
            if (ceiling.Count != groups.Count) throw new ArgumentException($"the ceiling has {ceiling.Count} widths for {groups.Count} channel groups", nameof(ceiling));
            foreach (var g in groups.Groups)
            {
                var low = g.Prunable ? Math.Min(minimum[g.Id], g.Channels) : g.Channels;
                if (ceiling[g.Id] < low || ceiling[g.Id] > g.Channels)
                {
                    throw new ArgumentException($"the ceiling of group {g.Id} '{g.Name}' is {ceiling[g.Id]}; it lies in {low}..{g.Channels}", nameof(ceiling));
                }
            }

            return ceiling.ToArray();
        }

        /// <summary>For each prunable group, the prunable groups (itself included) with an affected node in common.</summary>
        private static int[][] Neighbours(ChannelGroups groups, int[] prunable)
        {
            var byNode = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            foreach (var g in prunable)
            {
                foreach (var node in groups[g].AffectedNodes)
                {
                    if (!byNode.TryGetValue(node, out var list)) byNode[node] = list = [];
                    list.Add(g);
                }
            }

            var neighbours = new int[groups.Count][];
            foreach (var g in prunable)
            {
                neighbours[g] = groups[g].AffectedNodes.SelectMany(n => byNode[n]).Append(g).Distinct().ToArray();
            }

            return neighbours;
        }
    }
}
