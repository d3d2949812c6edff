using static TorchSharp.torch;

namespace Unlearning.Core.Data;

/// <summary>
/// The fixed evaluation subset of docs/metrics.md, "Fixed subset (points)": one generator seeded 2048; for class 0..K−1 in order,
/// take that class's indices ascending, draw <c>randperm(len)</c> from the generator and keep the first
/// <c>perClass</c>. Using LibTorch's own CPU generator and randperm reproduces the original's draw.
/// Order of the result: class 0's samples first, then class 1, …
/// </summary>
public static class FixedSubset
{
    public const int DefaultSeed = 2048;
    public const int DefaultPerClass = 200;

    public static int[] Select(int[] labels, int numClasses, int perClass = DefaultPerClass, long seed = DefaultSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perClass);
        using var gen = new Generator((ulong)seed, CPU);
        var result = new List<int>(numClasses * perClass);
        for (int c = 0; c < numClasses; c++)
        {
            var idx = new List<int>();
            for (int i = 0; i < labels.Length; i++) if (labels[i] == c) idx.Add(i);
            if (idx.Count < perClass)
                throw new InvalidOperationException($"Class {c} has only {idx.Count} samples; the subset needs {perClass}.");
            using var perm = randperm(idx.Count, generator: gen);
            var order = perm.data<long>().ToArray();
            for (int k = 0; k < perClass; k++) result.Add(idx[(int)order[k]]);
        }
        return [.. result];
    }

    /// <summary>Most forget samples a sample forget set puts into the subset (docs/forget-sets.md, "Metrics per kind").</summary>
    public const int DefaultForgetCap = 500;

    /// <summary>
    /// The subset of a sample forget set: the same size as <paramref name="subset"/>, containing every forget sample
    /// when there are at most <paramref name="cap"/> (else <paramref name="cap"/> of them, evenly spaced over the
    /// ascending forget indexes), so that they are visible in the embedding and attack views. The subset's other
    /// samples keep their order; evenly spaced ones are dropped to make room. Deterministic, no random draw.
    /// </summary>
    public static int[] WithForgetSamples(int[] subset, int[] forget, int cap = DefaultForgetCap)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cap);
        var sorted = forget.Order().ToArray();
        int take = Math.Min(Math.Min(sorted.Length, cap), subset.Length);
        var chosen = take == sorted.Length ? sorted
            : [.. Enumerable.Range(0, take).Select(i => sorted[(int)((long)i * sorted.Length / take)])];
        var inForget = sorted.ToHashSet();
        var kept = subset.Where(i => !inForget.Contains(i)).ToList();
        int drop = kept.Count + chosen.Length - subset.Length;
        if (drop > 0)
        {
            var dropAt = Enumerable.Range(0, drop).Select(i => (int)((long)i * kept.Count / drop)).ToHashSet();
            kept = [.. kept.Where((_, i) => !dropAt.Contains(i))];
        }
        return [.. kept, .. chosen];
    }
}
