using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Unlearning.Core;
using Unlearning.Core.Caching;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Core.Caching;

/// <summary>Collects log lines (formatted) for assertions.</summary>
internal sealed class ListLogger : ILogger
{
    public List<string> Lines { get; } = [];
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines) Lines.Add(formatter(state, exception));
    }
}

public class LruCacheTests
{
    [Fact]
    public void Evicts_the_least_recently_used_entries_past_the_capacity_with_a_log_line()
    {
        var log = new ListLogger();
        var evicted = new List<string>();
        var cache = new LruCache<string, int[]>("test", capacity: 10, size: v => v.Length, log, (k, _) => evicted.Add(k));
        cache.Set("a", new int[4]);
        cache.Set("b", new int[4]);
        Assert.True(cache.TryGet("a", out _)); // a is now more recent than b
        cache.Set("c", new int[4]);            // 12 > 10: b, the least recently used, goes
        Assert.Equal(["b"], evicted);
        Assert.Equal(["c", "a"], cache.KeysByRecency());
        Assert.Equal(8, cache.Size);
        Assert.Equal(1, cache.Evictions);
        Assert.False(cache.TryGet("b", out _));
        var line = Assert.Single(log.Lines);
        Assert.Contains("evicted b", line);
        Assert.Contains("test", line);

        cache.Set("d", new int[9]); // needs 9 of 10: both others go
        Assert.Equal(["b", "a", "c"], evicted);
        Assert.Equal(["d"], cache.KeysByRecency());
        Assert.Equal(3, cache.Evictions);
    }

    [Fact]
    public void An_entry_larger_than_the_capacity_is_returned_but_not_kept()
    {
        var log = new ListLogger();
        var cache = new LruCache<string, int[]>("test", 5, v => v.Length, log);
        cache.Set("small", new int[2]);
        var big = cache.GetOrAdd("big", _ => new int[6]);
        Assert.Equal(6, big.Length);
        Assert.False(cache.TryGet("big", out _));
        Assert.True(cache.TryGet("small", out _)); // nothing was evicted for an entry that cannot fit anyway
        Assert.Contains("not keeping big", Assert.Single(log.Lines));
    }

    [Fact]
    public void Replacing_and_removing_keep_the_size_right_and_log_nothing()
    {
        var log = new ListLogger();
        var disposed = new List<string>();
        var cache = new LruCache<string, int[]>("test", 10, v => v.Length, log, (k, _) => disposed.Add(k));
        cache.Set("a", new int[3]);
        cache.Set("a", new int[5]);
        Assert.Equal(5, cache.Size);
        Assert.Equal(["a"], disposed); // the replaced value is handed back
        Assert.True(cache.Remove("a"));
        Assert.False(cache.Remove("a"));
        Assert.Equal(0, cache.Size);
        Assert.Equal(0, cache.Evictions);
        Assert.Empty(log.Lines);
        int calls = 0;
        cache.GetOrAdd("x", _ => { calls++; return new int[1]; });
        cache.GetOrAdd("x", _ => { calls++; return new int[1]; });
        Assert.Equal(1, calls);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LruCache<string, int>("bad", -1, _ => 1));
    }

    [Fact]
    public void Capacity_zero_keeps_nothing_and_concurrent_use_stays_within_the_bound()
    {
        var none = new LruCache<int, int>("none", 0, _ => 1);
        Assert.Equal(7, none.GetOrAdd(1, _ => 7));
        Assert.Equal(0, none.Count);

        var cache = new LruCache<int, int>("shared", 16, _ => 1);
        Parallel.For(0, 2000, i => cache.GetOrAdd(i % 50, k => k * 2));
        Assert.InRange(cache.Count, 1, 16);
        Assert.Equal(cache.Count, cache.Size);
        Assert.All(cache.KeysByRecency(), k => Assert.True(cache.TryGet(k, out var v) && v == k * 2));
    }

    [Fact]
    public void Cache_options_bind_from_configuration_and_reject_negative_bounds()
    {
        var config = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Unlearning:Caches:ReferenceGramsMB"] = "300", ["Unlearning:Caches:ResultsDocuments"] = "5",
            ["Unlearning:Caches:Fingerprints"] = "9", ["Unlearning:Caches:DatasetsMB"] = "100",
        }).Build();
        var options = new UnlearningOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(config.GetSection(UnlearningOptions.Section), options);
        Assert.Equal((300L, 5, 9, 100L), (options.Caches.ReferenceGramsMB, options.Caches.ResultsDocuments, options.Caches.Fingerprints, options.Caches.DatasetsMB));
        options.Caches.Validate();
        options.Caches.ResultsDocuments = -1;
        Assert.Contains("Caches", Assert.Throws<ArgumentException>(options.Caches.Validate).Message);
        var defaults = new CacheOptions();
        Assert.Equal((640L, 32, 1024, 512L), (defaults.ReferenceGramsMB, defaults.ResultsDocuments, defaults.Fingerprints, defaults.DatasetsMB));
    }

    [Fact]
    public void Dataset_loader_keeps_datasets_within_its_byte_bound()
    {
        var root = Path.Combine(TestData.TempFolder(), "data");
        var info = DatasetCatalog.FashionMnist;
        var dir = Path.Combine(root, info.Folder);
        Directory.CreateDirectory(dir);
        var train = TestData.Images(info, 3, seed: 1);
        var test = TestData.Images(info, 1, seed: 2);
        IdxReader.WriteImages(Path.Combine(dir, "train-images-idx3-ubyte.gz"), train.Pixels, train.Count, 28, 28, gzip: true);
        IdxReader.WriteLabels(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), train.Labels, gzip: true);
        IdxReader.WriteImages(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), test.Pixels, test.Count, 28, 28, gzip: true);
        IdxReader.WriteLabels(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"), test.Labels, gzip: true);
        long bytes = (long)(train.Count + test.Count) * 28 * 28;

        var roomy = new DatasetLoader(root, capacityBytes: bytes);
        Assert.Same(roomy.Load(info), roomy.Load(info)); // kept: one copy shared

        var log = new ListLogger();
        var tight = new DatasetLoader(root, capacityBytes: bytes - 1, log);
        var first = tight.Load(info);
        Assert.NotSame(first, tight.Load(info)); // too large to keep: read again each time
        Assert.Equal(first.Train.Labels, tight.Load(info).Train.Labels);
        Assert.Contains(log.Lines, l => l.Contains("not keeping fashion-mnist"));
    }

    [Fact]
    public void Fingerprints_are_remembered_within_the_configured_count()
    {
        var folder = TestData.TempFolder();
        var files = Enumerable.Range(0, 3).Select(i => { var p = Path.Combine(folder, $"f{i}.pt"); File.WriteAllBytes(p, [(byte)i, 1, 2]); return p; }).ToArray();
        var log = new ListLogger();
        try
        {
            ExperimentStore.ConfigureFingerprintCache(2, log);
            var first = files.Select(ExperimentStore.CheckpointFingerprint).ToArray();
            Assert.Equal(3, first.Distinct().Count());
            Assert.Single(log.Lines, l => l.Contains("evicted") && l.Contains("f0.pt"));
            Assert.Equal(first, files.Select(ExperimentStore.CheckpointFingerprint)); // recomputed or remembered, the same hash
        }
        finally { ExperimentStore.ConfigureFingerprintCache(1024); }
    }
}
