namespace Toolchain.Pruning;

/// <summary>Disjoint sets over element ids 0…n−1 (path halving, union by size); elements are added on demand.</summary>
internal sealed class UnionFind
{
    private readonly List<int> _parent = [];
    private readonly List<int> _size = [];

    public int Count => _parent.Count;

    public int Add()
    {
        _parent.Add(_parent.Count);
        _size.Add(1);
        return _parent.Count - 1;
    }

    public int Find(int x)
    {
        while (_parent[x] != x)
        {
            _parent[x] = _parent[_parent[x]];
            x = _parent[x];
        }

        return x;
    }

    public void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a == b) return;
        if (_size[a] < _size[b]) (a, b) = (b, a);
        _parent[b] = a;
        _size[a] += _size[b];
    }
}
