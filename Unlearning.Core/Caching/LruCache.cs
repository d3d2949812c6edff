using Microsoft.Extensions.Logging;

namespace Unlearning.Core.Caching;

/// <summary>
/// A bounded least-recently-used cache (docs/architecture.md, "Caches"): every entry has a size (its
/// <c>size</c> function: bytes, or 1 to count entries), the sizes held never exceed <see cref="Capacity"/>,
/// and adding past it evicts the least recently used entries first, each with a log line. An entry larger than
/// the whole capacity is returned but not kept. Evicted values are handed to <c>onEvict</c> (e.g. to dispose
/// them) unless a caller still holds them by design. Thread-safe: one lock around every operation; values are
/// computed outside it, so two callers that miss at once may both compute (the second result is kept).
/// </summary>
public sealed class LruCache<TKey, TValue> where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recent = new(); // first = most recently used
    private readonly Func<TValue, long> _size;
    private readonly Action<TKey, TValue>? _onEvict;
    private readonly ILogger? _logger;
    private readonly string _unit;
    private readonly object _gate = new();
    private long _held;
    private int _evictions;

    private sealed record Entry(TKey Key, TValue Value, long Size);

    /// <param name="name">Shown in log lines, e.g. "results documents".</param>
    /// <param name="capacity">Most total size held (≥ 0; 0 keeps nothing).</param>
    /// <param name="size">Size of a value in the capacity's unit (≥ 0).</param>
    /// <param name="unit">"bytes" formats sizes as MB in log lines; anything else is printed as it is ("entries").</param>
    public LruCache(string name, long capacity, Func<TValue, long> size, ILogger? logger = null, Action<TKey, TValue>? onEvict = null, string unit = "entries")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Name = name;
        Capacity = capacity;
        _size = size;
        _logger = logger;
        _onEvict = onEvict;
        _unit = unit;
    }

    public string Name { get; }

    public long Capacity { get; }

    /// <summary>Total size of the entries held.</summary>
    public long Size { get { lock (_gate) return _held; } }

    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>Entries evicted so far to stay within the capacity (removals and replacements do not count).</summary>
    public int Evictions { get { lock (_gate) return _evictions; } }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    /// <summary>The cached value, or <paramref name="create"/>'s, which is then kept (if it fits).</summary>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> create)
    {
        if (TryGet(key, out var hit)) return hit;
        var value = create(key);
        Set(key, value);
        return value;
    }

    /// <summary>Adds or replaces an entry, evicting the least recently used others until it fits.</summary>
    public void Set(TKey key, TValue value)
    {
        long size = _size(value);
        if (size < 0) throw new InvalidOperationException($"Cache '{Name}': negative size {size} for {key}.");
        var evicted = new List<Entry>();
        lock (_gate)
        {
            if (_entries.Remove(key, out var old))
            {
                _recent.Remove(old);
                _held -= old.Value.Size;
                if (!ReferenceEquals(old.Value.Value, value)) evicted.Add(old.Value);
            }
            if (size > Capacity)
            {
                _logger?.LogInformation("Cache {Cache}: not keeping {Key} ({Size}), larger than the whole capacity ({Capacity})",
                    Name, key, Format(size), Format(Capacity));
            }
            else
            {
                while (_held + size > Capacity && _recent.Last is { } oldest)
                {
                    _recent.RemoveLast();
                    _entries.Remove(oldest.Value.Key);
                    _held -= oldest.Value.Size;
                    _evictions++;
                    evicted.Add(oldest.Value);
                    _logger?.LogInformation("Cache {Cache}: evicted {Key} ({Size}), least recently used, to stay within {Capacity}",
                        Name, oldest.Value.Key, Format(oldest.Value.Size), Format(Capacity));
                }
                _entries[key] = _recent.AddFirst(new Entry(key, value, size));
                _held += size;
            }
        }
        foreach (var e in evicted) _onEvict?.Invoke(e.Key, e.Value);
    }

    /// <summary>Removes an entry (no eviction log line); true when it was there.</summary>
    public bool Remove(TKey key)
    {
        Entry? removed = null;
        lock (_gate)
        {
            if (_entries.Remove(key, out var node))
            {
                _recent.Remove(node);
                _held -= node.Value.Size;
                removed = node.Value;
            }
        }
        if (removed is not null) _onEvict?.Invoke(removed.Key, removed.Value);
        return removed is not null;
    }

    /// <summary>Removes every entry.</summary>
    public void Clear()
    {
        List<Entry> all;
        lock (_gate)
        {
            all = [.. _recent];
            _entries.Clear();
            _recent.Clear();
            _held = 0;
        }
        foreach (var e in all) _onEvict?.Invoke(e.Key, e.Value);
    }

    /// <summary>The keys from most to least recently used (tests, diagnostics).</summary>
    public IReadOnlyList<TKey> KeysByRecency()
    {
        lock (_gate) return [.. _recent.Select(e => e.Key)];
    }

    private string Format(long size) => _unit == "bytes" ? $"{size / (1024.0 * 1024.0):F1} MB" : $"{size} {_unit}";
}
