namespace Toolchain.Pruning;

/// <summary>
/// Which channel element sits at each position of a value, over its non-batch dimensions (row-major). A dimension
/// is either materialised (<see cref="Dims"/>[d] is the value's extent) or broadcast (<see cref="Dims"/>[d] = 1:
/// the same elements all along it, as along the spatial dimensions of an NCHW activation). Elements are ids in a
/// <see cref="UnionFind"/>; elements in one set must be pruned together. Materialising only the dimensions that
/// carry channels keeps a ResNet-50 at 224×224 to a few thousand ids per value.
/// </summary>
internal sealed class ChannelMap
{
    public ChannelMap(long[] dims, int[] ids)
    {
        if (Product(dims) != ids.Length)
        {
            throw new ArgumentException($"channel map dims [{string.Join(", ", dims)}] hold {Product(dims)} positions, not {ids.Length}");
        }

        Dims = dims;
        Ids = ids;
    }

    public long[] Dims { get; }

    public int[] Ids { get; }

    public int Rank => Dims.Length;

    /// <summary>New elements along the value's first non-batch dimension (NCHW channels, or the features of [N, F]).</summary>
    public static ChannelMap Fresh(IReadOnlyList<long> valueShape, UnionFind elements)
    {
        var rank = valueShape.Count - 1;
        if (rank <= 0) return new ChannelMap([], [elements.Add()]);
        var dims = Enumerable.Repeat(1L, rank).ToArray();
        dims[0] = valueShape[1];
        var ids = new int[dims[0]];
        for (var i = 0; i < ids.Length; i++) ids[i] = elements.Add();
        return new ChannelMap(dims, ids);
    }

    /// <summary>The last materialised dimension with more than one position, or −1.</summary>
    public int LastChannelDim
    {
        get
        {
            for (var d = Rank - 1; d >= 0; d--)
            {
                if (Dims[d] > 1) return d;
            }

            return -1;
        }
    }

    public int ChannelDimCount => Dims.Count(d => d > 1);

    /// <summary>Whether only dimension 0 (NCHW channels) may vary: what per-channel ops (conv, BN, pooling) need.</summary>
    public bool ChannelsFirstOnly => Dims.Skip(1).All(d => d == 1);

    public static long Product(IReadOnlyList<long> dims)
    {
        long p = 1;
        foreach (var d in dims) p *= d;
        return p;
    }

    public static long[] Strides(IReadOnlyList<long> dims)
    {
        var strides = new long[dims.Count];
        long s = 1;
        for (var d = dims.Count - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= dims[d];
        }

        return strides;
    }

    /// <summary>The elements along <paramref name="dim"/> at coordinate 0 of the other dimensions, repeated to <paramref name="extent"/> when broadcast.</summary>
    public int[] Line(int dim, long extent)
    {
        var result = new int[extent];
        var stride = Strides(Dims)[dim];
        for (long i = 0; i < extent; i++) result[i] = Ids[Dims[dim] == 1 ? 0 : i * stride];
        return result;
    }

    /// <summary>Materialises broadcast dimensions up to <paramref name="dims"/> (each equal to ours or ours being 1).</summary>
    public ChannelMap ExpandTo(IReadOnlyList<long> dims)
    {
        if (dims.Count != Rank) throw new ArgumentException($"cannot expand a rank-{Rank} channel map to rank {dims.Count}");
        var strides = Strides(Dims);
        var src = new long[Rank];
        for (var d = 0; d < Rank; d++)
        {
            if (Dims[d] != dims[d] && Dims[d] != 1) throw new ArgumentException($"cannot expand dim {d} of size {Dims[d]} to {dims[d]}");
            src[d] = Dims[d] == 1 ? 0 : strides[d];
        }

        return new ChannelMap(dims.ToArray(), Gather(dims.ToArray(), src, 0));
    }

    /// <summary>Turns every dimension along which the elements do not change into a broadcast one.</summary>
    public ChannelMap Compress()
    {
        var map = this;
        for (var d = 0; d < Rank; d++)
        {
            if (map.Dims[d] > 1 && map.ConstantAlong(d)) map = map.SliceMaterialised(d, 0, 1, 1);
        }

        return map;
    }

    /// <summary>Row-major reshape of the value from <paramref name="from"/> to <paramref name="to"/> (non-batch dims).</summary>
    public ChannelMap Reshape(IReadOnlyList<long> from, IReadOnlyList<long> to)
    {
        var full = ExpandTo(from);
        return new ChannelMap(to.ToArray(), full.Ids).Compress();
    }

    /// <summary>Output dimension i is dimension <paramref name="permutation"/>[i].</summary>
    public ChannelMap Permute(IReadOnlyList<int> permutation)
    {
        var strides = Strides(Dims);
        var dims = permutation.Select(p => Dims[p]).ToArray();
        var src = permutation.Select(p => strides[p]).ToArray();
        return new ChannelMap(dims, Gather(dims, src, 0));
    }

    /// <summary>Positions start, start+step, … before end along <paramref name="dim"/>; a broadcast dimension stays as it is.</summary>
    public ChannelMap Slice(int dim, long start, long end, long step) =>
        Dims[dim] == 1 ? this : SliceMaterialised(dim, start, end, step);

    private ChannelMap SliceMaterialised(int dim, long start, long end, long step)
    {
        var strides = Strides(Dims);
        var dims = (long[])Dims.Clone();
        dims[dim] = end <= start ? 0 : (end - start + step - 1) / step;
        var src = (long[])strides.Clone();
        src[dim] *= step;
        return new ChannelMap(dims, Gather(dims, src, start * strides[dim]));
    }

    /// <summary>Concatenation along <paramref name="dim"/>; the maps must agree on every other dimension.</summary>
    public static ChannelMap Concat(IReadOnlyList<ChannelMap> maps, int dim)
    {
        var dims = (long[])maps[0].Dims.Clone();
        dims[dim] = maps.Sum(m => m.Dims[dim]);
        var outer = Product(dims.Take(dim).ToArray());
        var ids = new int[Product(dims)];
        var at = 0;
        for (long o = 0; o < outer; o++)
        {
            foreach (var m in maps)
            {
                var block = (int)Product(m.Dims.Skip(dim).ToArray());
                Array.Copy(m.Ids, o * block, ids, at, block);
                at += block;
            }
        }

        return new ChannelMap(dims, ids);
    }

    private bool ConstantAlong(int dim)
    {
        var stride = Strides(Dims)[dim];
        for (long p = 0; p < Ids.Length; p++)
        {
            var c = p / stride % Dims[dim];
            if (c > 0 && Ids[p] != Ids[p - c * stride]) return false;
        }

        return true;
    }

    // out[coord] = Ids[offset + Σ coord[d]·src[d]], walking coord like an odometer.
    private int[] Gather(long[] outDims, long[] src, long offset)
    {
        var n = Product(outDims);
        var result = new int[n];
        if (n == 0) return result;
        var rank = outDims.Length;
        var coord = new long[rank];
        var at = offset;
        for (long i = 0; i < n; i++)
        {
            result[i] = Ids[at];
            for (var d = rank - 1; d >= 0; d--)
            {
                coord[d]++;
                at += src[d];
                if (coord[d] < outDims[d]) break;
                at -= src[d] * coord[d];
                coord[d] = 0;
            }
        }

        return result;
    }

    public override string ToString() => $"[{string.Join(", ", Dims)}] {{{string.Join(", ", Ids.Take(16))}{(Ids.Length > 16 ? ", …" : "")}}}";
}
