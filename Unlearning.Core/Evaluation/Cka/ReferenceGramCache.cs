using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation.Cka;

/// <summary>
/// Keeps the zero-diagonal Gram matrices of the reference models (Original, Retrained) between evaluations:
/// every model of one forget class is compared with the same references on the same CKA samples, so their
/// Gram matrices — two thirds of the CKA cost — are formed once. Holds at most <see cref="Capacity"/>
/// references (least recently used goes first). Matrices are kept in float32 — the precision of the Gram
/// products themselves — about 300 MB per reference for the compact model on Fashion-MNIST. Not thread-safe: it lives
/// on the job worker's thread, like every tensor.
/// </summary>
public sealed class ReferenceGramCache(int capacity = 2) : IDisposable
{
    private readonly Dictionary<string, Dictionary<(int Set, int Batch), Tensor[]>> _entries = [];
    private readonly LinkedList<string> _recent = new();

    public int Capacity { get; } = capacity;

    /// <summary>Cached Gram matrices of a reference for one CKA batch, or null.</summary>
    public Tensor[]? Get(string referenceKey, int set, int batch)
    {
        if (!_entries.TryGetValue(referenceKey, out var batches) || !batches.TryGetValue((set, batch), out var grams)) return null;
        Touch(referenceKey);
        return grams;
    }

    /// <summary>The cached Gram matrices, or <paramref name="compute"/>'s, which are then stored (as copies).</summary>
    public Tensor[] GetOrAdd(string referenceKey, int set, int batch, Func<Tensor[]> compute)
    {
        if (Get(referenceKey, set, batch) is { } cached) return cached;
        var grams = compute();
        Put(referenceKey, set, batch, grams);
        return grams;
    }

    /// <summary>Stores copies of the Gram matrices outside any dispose scope.</summary>
    public void Put(string referenceKey, int set, int batch, Tensor[] grams)
    {
        if (!_entries.TryGetValue(referenceKey, out var batches))
        {
            while (_entries.Count >= Capacity && _recent.Last is { } oldest) Evict(oldest.Value);
            _entries[referenceKey] = batches = [];
        }
        Touch(referenceKey);
        if (batches.Remove((set, batch), out var old)) foreach (var t in old) t.Dispose();
        batches[(set, batch)] = [.. grams.Select(g => g.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope())];
    }

    private void Touch(string key)
    {
        _recent.Remove(key);
        _recent.AddFirst(key);
    }

    private void Evict(string key)
    {
        _recent.Remove(key);
        if (_entries.Remove(key, out var batches))
            foreach (var t in batches.Values.SelectMany(g => g)) t.Dispose();
    }

    public void Dispose()
    {
        foreach (var key in _entries.Keys.ToList()) Evict(key);
    }
}
