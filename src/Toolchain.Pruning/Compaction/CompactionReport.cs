namespace Toolchain.Pruning;

/// <summary>How <see cref="Compactor.Compact"/> treats what the removed channels contributed.</summary>
public sealed record CompactionOptions
{
    /// <summary>
    /// Fold the constant contribution of removed channels into the consumer (see <see cref="ConstantFold"/>). A masked
    /// channel contributes nothing (its consumer slices are zero) and needs no folding; this matters when channels
    /// that are constant but not zero are cut, e.g. a BatchNorm scale driven to 0 whose shift is not.
    /// </summary>
    public bool FoldConstants { get; init; } = true;

    /// <summary>Align every pruned group's kept width up to a multiple of this by keeping removed channels again (see <see cref="GroupMasks.AlignedTo"/>).</summary>
    public int RoundTo { get; init; } = 1;

    /// <summary>Seed of the random probe inputs used to tell constant channels (folding only).</summary>
    public int ProbeSeed { get; init; }
}

/// <summary>What happened to the contribution of removed channels at one consumer.</summary>
public enum FoldKind
{
    /// <summary>Folded into the consumer's bias (or the running mean of the BatchNorm after it); the output is unchanged.</summary>
    Exact,

    /// <summary>Folded for a padded conv: exact away from the border; on the padding ring the removed channels'
    /// constant met zero padding, so outputs there shift by the part of the folded value the padding covered.</summary>
    InteriorOnly,

    /// <summary>Constant, but the consumer has neither a bias nor a BatchNorm after it to take it: dropped.</summary>
    Dropped,

    /// <summary>The removed channels still carried input-dependent signal: the output changes (mask and fine-tune first).</summary>
    NotConstant,
}

/// <summary>The removed channels' contribution at consumer <paramref name="Node"/> and what compaction did with it.</summary>
public sealed record ConstantFold(string Node, FoldKind Kind, int Channels, string Detail);

/// <summary>What <see cref="Compactor.Compact"/> did: widths, counts before and after, constant folds.</summary>
public sealed record CompactionReport(
    IReadOnlyList<int> WidthsBefore,
    IReadOnlyList<int> WidthsAfter,
    long ParametersBefore,
    long ParametersAfter,
    long MacsBefore,
    long MacsAfter,
    IReadOnlyList<ConstantFold> Folds);
