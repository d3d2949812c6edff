namespace Unlearning.Core.Experiments.Results;

/// <summary>
/// Which models a forgetting-quality evaluation of a run's group uses, and which seeds are still missing
/// (docs/metrics.md, "Forgetting quality"). Unlearned and Retrained lists hold Ready runs with a checkpoint, in
/// seed order; the first <see cref="K"/> of each are scored, further Retrained models serve the ceiling.
/// </summary>
public sealed record ForgettingQualityPlan(string GroupKey, int K, IReadOnlyList<Experiment> Unlearned, IReadOnlyList<Experiment> Retrained,
    long[] MissingUnlearnedSeeds, long[] MissingRetrainedSeeds)
{
    /// <summary>Default models per side, as the issue asks (the challenge used 512).</summary>
    public const int DefaultK = 8;
    /// <summary>Fewest models per side: with 2 no example can earn points, with 3 only two buckets exist.</summary>
    public const int MinK = 4;
    /// <summary>Most models per side (each costs a Retrained training and an unlearning run).</summary>
    public const int MaxK = 32;

    public bool IsComplete => MissingUnlearnedSeeds.Length == 0 && MissingRetrainedSeeds.Length == 0;

    /// <summary>
    /// The ceiling's groups (Retrained against Retrained): K against K further models when the set has 2K, otherwise the
    /// K scored ones split in two halves of ⌊K/2⌋ when that is at least <see cref="MinK"/>; null when neither is possible.
    /// </summary>
    public (IReadOnlyList<Experiment> A, IReadOnlyList<Experiment> B)? CeilingGroups()
    {
        if (Retrained.Count >= 2 * K) return (Retrained.Take(K).ToList(), Retrained.Skip(K).Take(K).ToList());
        int half = Math.Min(Retrained.Count, K) / 2;
        if (half < MinK) return null;
        return (Retrained.Take(half).ToList(), Retrained.Skip(half).Take(half).ToList());
    }

    /// <summary>The reason a K is refused, or null.</summary>
    public static string? GroupSizeProblem(int k) =>
        k < MinK || k > MaxK ? $"K (models per side) must be between {MinK} and {MaxK}; got {k}." : null;

    /// <summary>
    /// The plan for <paramref name="run"/>'s group among <paramref name="setRows"/> (every experiment of its forget set).
    /// Missing seeds are the smallest non-negative integers no run of the side uses yet (the shipped Retrained model
    /// keeps its own seed). Stale unlearned runs (built from or measured against replaced references,
    /// docs/results-format.md, "Stale results") are not scored with current ones unless <paramref name="includeStale"/>;
    /// Retrained models always count: their models do not depend on the references.
    /// </summary>
    public static ForgettingQualityPlan For(Experiment run, IReadOnlyList<Experiment> setRows, int k, bool includeStale = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(setRows);
        if (GroupSizeProblem(k) is { } problem) throw new ArgumentException(problem);
        if (run.Type != ExperimentType.Unlearned)
            throw new ArgumentException($"Forgetting quality compares a group of unlearned runs with Retrained models; '{run.Id}' is a {run.Type} model.");
        var key = RunGroups.ConfigurationKey(run);
        var stale = includeStale ? null : StaleReferences.Assess(setRows);
        var group = setRows.Where(e => e.Type == ExperimentType.Unlearned && RunGroups.ConfigurationKey(e) == key
                                       && (stale is null || !stale.TryGetValue(e.Id, out var s) || !s.IsStale)).ToList();
        var retrained = setRows.Where(e => e.Type == ExperimentType.Retrained && e.Dataset == run.Dataset && e.Architecture == run.Architecture
                                           && e.ForgetSetId == run.ForgetSetId).ToList();
        var usable = Usable(group);
        var usableRetrained = Usable(retrained);
        return new ForgettingQualityPlan(key, k, usable, usableRetrained,
            NewSeeds(group, k - usable.Count), NewSeeds(retrained, k - usableRetrained.Count));
    }

    private static List<Experiment> Usable(IEnumerable<Experiment> rows) =>
        [.. rows.Where(e => e.Status == ExperimentStatus.Ready && e.CheckpointPath is not null)
            .OrderBy(e => e.Seed.HasValue).ThenBy(e => e.Seed ?? 0).ThenBy(e => e.CreatedUtc)];

    /// <summary>
    /// <paramref name="count"/> seeds not used by any row of the side (also not by failed or pending ones, whose seed may
    /// be retried by the user).
    /// </summary>
    private static long[] NewSeeds(IEnumerable<Experiment> rows, int count)
    {
        if (count <= 0) return [];
        var used = rows.Where(e => e.Seed.HasValue).Select(e => e.Seed!.Value).ToHashSet();
        var seeds = new List<long>();
        for (long s = 0; seeds.Count < count; s++)
            if (!used.Contains(s)) seeds.Add(s);
        return [.. seeds];
    }
}
