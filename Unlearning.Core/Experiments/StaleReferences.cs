namespace Unlearning.Core.Experiments;

/// <summary>Whether a row's results were measured against references that have been replaced since, and why in words.</summary>
/// <param name="Reason">One or two sentences for the table's tooltip, the API and the export; null when not stale.</param>
public sealed record StaleStatus(bool IsStale, string? Reason)
{
    public static readonly StaleStatus Current = new(false, null);
}

/// <summary>
/// Stale results (docs/results-format.md, "Stale results"): a model's stored results are measured against its forget
/// set's Original and Retrained models (CKA, the aligned embedding, PS and the attack curves, the gap), and an unlearned
/// model is built from the Original. When a reference's checkpoint is replaced (new baselines shipped, a baseline
/// retrained in the app), those results belong to models that are gone. Each such row records the fingerprints of the
/// references it was measured against (<see cref="Experiment.ReferenceOriginalSha256"/>,
/// <see cref="Experiment.ReferenceRetrainedSha256"/>); a row is stale when a recorded fingerprint differs from the
/// reference row's current <see cref="Experiment.CheckpointSha256"/>. Unknown fingerprints (null on either side) never
/// make a row stale. The references themselves (the Original rows and each set's first Retrained model) are never stale:
/// they are evaluated again when what they are measured against changes (<see cref="ExperimentStore.EnsureBaselineRows"/>).
/// </summary>
public static class StaleReferences
{
    /// <summary>Characters of a fingerprint shown in a reason.</summary>
    public const int ShortLength = 8;

    /// <summary>
    /// True for the rows other rows are measured against: an Original row, and the first Retrained model of its forget set
    /// (<see cref="ExperimentIds.Retrained(string, string, string)"/>; further seeds are measured against it).
    /// </summary>
    public static bool IsReference(Experiment e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Type == ExperimentType.Original
               || (e.Type == ExperimentType.Retrained && e.Id == ExperimentIds.Retrained(e.Dataset, e.Architecture, e.ForgetSetId));
    }

    /// <summary>
    /// Decides whether <paramref name="e"/> is stale against the current reference rows of its forget set
    /// (<paramref name="original"/>, <paramref name="retrained"/>; null when the set has none), with the reason.
    /// </summary>
    public static StaleStatus Check(Experiment e, Experiment? original, Experiment? retrained)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (IsReference(e)) return StaleStatus.Current;
        var reasons = new List<string>();
        if (Changed(e.ReferenceOriginalSha256, original?.CheckpointSha256) is (string wasO, string nowO))
        {
            bool builtFromIt = e.Type == ExperimentType.Unlearned && original is not null && e.BaseId == original.Id;
            bool fromAnother = e.Type == ExperimentType.Unlearned && !builtFromIt && e.CheckpointPath is not null;
            reasons.Add(builtFromIt
                ? $"Built from an earlier Original model ({Short(wasO)}), which has been replaced (now {Short(nowO)}): its base model is gone, and its CKA, embedding and comparisons are against that old Original."
                : fromAnother
                    ? $"Built from a model that came from, or measured against, an earlier Original model ({Short(wasO)}), which has been replaced (now {Short(nowO)})."
                    : $"Measured against an earlier Original model ({Short(wasO)}), which has been replaced (now {Short(nowO)}): its CKA and embedding are against that old Original.");
        }
        if (Changed(e.ReferenceRetrainedSha256, retrained?.CheckpointSha256) is (string wasR, string nowR))
            reasons.Add($"Measured against an earlier Retrained model ({Short(wasR)}), which has been replaced (now {Short(nowR)}): its PS, attack curves and CKA to Retrained are against that old model.");
        if (reasons.Count == 0) return StaleStatus.Current;
        reasons.Add(e.Type == ExperimentType.Retrained
            ? "It is measured again with the forget set's baselines."
            : "Build it again to compare it with current results.");
        return new StaleStatus(true, string.Join(" ", reasons));
    }

    /// <summary>
    /// The status of every row of <paramref name="rows"/> (any mix of forget sets), against the reference rows found among
    /// them by id. A row whose references are not among <paramref name="rows"/> counts as current.
    /// </summary>
    public static IReadOnlyDictionary<string, StaleStatus> Assess(IEnumerable<Experiment> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows as IReadOnlyCollection<Experiment> ?? [.. rows];
        var byId = new Dictionary<string, Experiment>(StringComparer.Ordinal);
        foreach (var e in list) byId.TryAdd(e.Id, e);
        var result = new Dictionary<string, StaleStatus>(StringComparer.Ordinal);
        foreach (var e in list)
        {
            if (IsReference(e) || string.IsNullOrEmpty(e.ForgetSetId)) { result[e.Id] = StaleStatus.Current; continue; }
            byId.TryGetValue(ExperimentIds.Original(e.Dataset, e.Architecture, e.ForgetSetId), out var original);
            byId.TryGetValue(ExperimentIds.Retrained(e.Dataset, e.Architecture, e.ForgetSetId), out var retrained);
            result[e.Id] = Check(e, original, retrained);
        }
        return result;
    }

    /// <summary>(recorded, current) when both are known and differ; null otherwise.</summary>
    private static (string Was, string Now)? Changed(string? recorded, string? current) =>
        recorded is { Length: > 0 } was && current is { Length: > 0 } now && !string.Equals(was, now, StringComparison.OrdinalIgnoreCase) ? (was, now) : null;

    private static string Short(string sha) => sha.Length > ShortLength ? sha[..ShortLength] : sha;
}
