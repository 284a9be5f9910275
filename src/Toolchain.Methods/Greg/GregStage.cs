namespace Toolchain.Methods;

/// <summary>Where a <see cref="GrowingRegularization"/> run is.</summary>
public enum GregStage
{
    /// <summary>GReg-2 only: λ grows on every channel until it reaches the picking ceiling.</summary>
    Picking,

    /// <summary>λ grows on the pruned channels until every layer is done.</summary>
    Growing,

    /// <summary>Every layer is done; λ is held for the hold period before the cut.</summary>
    Holding,

    /// <summary>The hold period is over: cut the pruned channels and fine-tune.</summary>
    Finished,
}
