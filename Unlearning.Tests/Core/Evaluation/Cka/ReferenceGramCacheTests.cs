using Unlearning.Core.Evaluation.Cka;
using Unlearning.Tests.Core.Caching;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Evaluation.Cka;

[Collection("Torch")]
public class ReferenceGramCacheTests
{
    private const long MatrixBytes = 10 * 10 * sizeof(float);

    private static Tensor[] Grams(int layers, double value) => [.. Enumerable.Range(0, layers).Select(_ => full(10, 10, value, ScalarType.Float64))];

    [Fact]
    public void Keeps_float32_copies_and_counts_their_bytes()
    {
        using var scope = NewDisposeScope();
        using var cache = new ReferenceGramCache(capacityBytes: 10 * MatrixBytes);
        var grams = Grams(2, 1.5);
        cache.Put("original", 0, 0, grams);
        grams[0].fill_(9); // the cache holds copies
        var kept = cache.Get("original", 0, 0)!;
        Assert.Equal(ScalarType.Float32, kept[0].dtype);
        Assert.Equal(1.5f, kept[0][3, 4].item<float>());
        Assert.Equal(2 * MatrixBytes, cache.Bytes);
        Assert.Null(cache.Get("original", 0, 1));
        int computed = 0;
        cache.GetOrAdd("original", 0, 0, () => { computed++; return Grams(2, 0); });
        Assert.Equal(0, computed);
        cache.Put("original", 0, 0, Grams(2, 2)); // replacing a batch does not double its bytes
        Assert.Equal(2 * MatrixBytes, cache.Bytes);
    }

    [Fact]
    public void Evicts_whole_least_recently_used_references_with_a_log_line()
    {
        using var scope = NewDisposeScope();
        var log = new ListLogger();
        using var cache = new ReferenceGramCache(capacityBytes: 6 * MatrixBytes, log);
        cache.Put("class0-original", 0, 0, Grams(2, 1));
        cache.Put("class0-original", 0, 1, Grams(2, 1));
        cache.Put("class0-retrained", 0, 0, Grams(2, 1));
        Assert.NotNull(cache.Get("class0-original", 0, 0)); // the Original is now the more recent
        cache.Put("class1-original", 0, 0, Grams(2, 1));    // 8 > 6 matrices: the Retrained model goes, whole
        Assert.Equal(["class1-original", "class0-original"], cache.KeysByRecency());
        Assert.Null(cache.Get("class0-retrained", 0, 0));
        Assert.Equal(6 * MatrixBytes, cache.Bytes);
        Assert.Equal(1, cache.Evictions);
        var line = Assert.Single(log.Lines);
        Assert.Contains("evicted class0-retrained", line);
    }

    [Fact]
    public void A_reference_larger_than_the_capacity_keeps_the_batches_that_fit()
    {
        using var scope = NewDisposeScope();
        var log = new ListLogger();
        using var cache = new ReferenceGramCache(capacityBytes: 5 * MatrixBytes, log);
        for (int batch = 0; batch < 4; batch++) cache.Put("big", 1, batch, Grams(2, batch));
        Assert.NotNull(cache.Get("big", 1, 0));
        Assert.NotNull(cache.Get("big", 1, 1));
        Assert.Null(cache.Get("big", 1, 2)); // not kept, and the kept batches were not thrown out for it
        Assert.Equal(4 * MatrixBytes, cache.Bytes);
        Assert.Single(log.Lines, l => l.Contains("outgrows"));

        using var none = new ReferenceGramCache(capacityBytes: 0);
        none.Put("any", 0, 0, Grams(1, 1));
        Assert.Equal(0, none.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReferenceGramCache(-1));
    }
}
