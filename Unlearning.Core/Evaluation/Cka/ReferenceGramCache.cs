using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation.Cka;

/// <summary>
/// Keeps the U-centred Gram matrices of the reference models (Original, Retrained) between evaluations
/// (docs/architecture.md, "Caches"): every model of one forget class is compared with the same references on the
/// same CKA samples, so their Gram matrices — the reference forward passes and half the Gram work — are formed once.
/// Bounded in bytes: matrices are kept in float32 (≈ 280 MB per reference for the compact model on Fashion-MNIST,
/// seven layers over 10,000 CKA samples), and a reference that needs room evicts the least recently used other
/// references whole, with a log line. A reference larger than the whole capacity keeps the batches that fit and
/// computes the rest every time (no thrashing). Not thread-safe: it lives on the job worker's thread, like every tensor.
/// </summary>
public sealed class ReferenceGramCache : IDisposable
{
    /// <summary>Default capacity: two references of the compact model (one forget class's Original and Retrained).</summary>
    public const long DefaultCapacityBytes = 640L * 1024 * 1024;

    private sealed class Reference
    {
        public readonly Dictionary<(int Set, int Batch), Tensor[]> Batches = [];
        public long Bytes;
        public bool Full;
    }

    private readonly Dictionary<string, Reference> _entries = [];
    private readonly LinkedList<string> _recent = new(); // first = most recently used
    private readonly ILogger? _logger;

    public ReferenceGramCache(long capacityBytes = DefaultCapacityBytes, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        CapacityBytes = capacityBytes;
        _logger = logger;
    }

    public long CapacityBytes { get; }

    /// <summary>Bytes of the matrices held.</summary>
    public long Bytes { get; private set; }

    /// <summary>References held (whole or in part).</summary>
    public int Count => _entries.Count;

    /// <summary>References evicted so far to make room.</summary>
    public int Evictions { get; private set; }

    /// <summary>The keys from most to least recently used (tests, diagnostics).</summary>
    public IReadOnlyList<string> KeysByRecency() => [.. _recent];

    /// <summary>Cached Gram matrices of a reference for one CKA batch, or null.</summary>
    public Tensor[]? Get(string referenceKey, int set, int batch)
    {
        if (!_entries.TryGetValue(referenceKey, out var reference) || !reference.Batches.TryGetValue((set, batch), out var grams)) return null;
        Touch(referenceKey);
        return grams;
    }

    /// <summary>The cached Gram matrices, or <paramref name="compute"/>'s, which are then stored (as float32 copies) if they fit.</summary>
    public Tensor[] GetOrAdd(string referenceKey, int set, int batch, Func<Tensor[]> compute)
    {
        if (Get(referenceKey, set, batch) is { } cached) return cached;
        var grams = compute();
        Put(referenceKey, set, batch, grams);
        return grams;
    }

    /// <summary>Stores float32 copies of the Gram matrices outside any dispose scope, evicting other references to make room.</summary>
    public void Put(string referenceKey, int set, int batch, Tensor[] grams)
    {
        long bytes = grams.Sum(g => g.numel() * sizeof(float));
        if (!_entries.TryGetValue(referenceKey, out var reference)) _entries[referenceKey] = reference = new Reference();
        Touch(referenceKey);
        if (reference.Batches.Remove((set, batch), out var old))
        {
            Bytes -= Size(old);
            reference.Bytes -= Size(old);
            foreach (var t in old) t.Dispose();
        }
        while (Bytes + bytes > CapacityBytes && _recent.Last is { } oldest && oldest.Value != referenceKey)
        {
            var evicted = _entries[oldest.Value];
            _logger?.LogInformation("Reference Gram cache: evicted {Reference} ({MB:F0} MB), least recently used, to stay within {Capacity:F0} MB",
                oldest.Value, evicted.Bytes / 1048576.0, CapacityBytes / 1048576.0);
            Evictions++;
            Evict(oldest.Value);
        }
        if (Bytes + bytes > CapacityBytes)
        {
            if (!reference.Full)
                _logger?.LogInformation("Reference Gram cache: {Reference} alone outgrows {Capacity:F0} MB; its further batches are computed each time",
                    referenceKey, CapacityBytes / 1048576.0);
            reference.Full = true;
            if (reference.Batches.Count == 0) Evict(referenceKey);
            return;
        }
        reference.Batches[(set, batch)] = [.. grams.Select(g => g.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope())];
        reference.Bytes += bytes;
        Bytes += bytes;
    }

    private static long Size(Tensor[] grams) => grams.Sum(g => g.numel() * g.ElementSize);

    private void Touch(string key)
    {
        _recent.Remove(key);
        _recent.AddFirst(key);
    }

    private void Evict(string key)
    {
        _recent.Remove(key);
        if (_entries.Remove(key, out var reference))
        {
            Bytes -= reference.Bytes;
            foreach (var t in reference.Batches.Values.SelectMany(g => g)) t.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var key in _entries.Keys.ToList()) Evict(key);
    }
}
