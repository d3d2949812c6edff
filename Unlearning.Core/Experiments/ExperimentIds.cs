namespace Unlearning.Core.Experiments;

/// <summary>
/// Experiment ids. Unlearned/uploaded models get 4 random hex characters like the original,
/// regenerated on collision. Baselines follow the original's <c>000{fc}</c> / <c>a00{fc}</c> scheme; the
/// dataset and architecture are appended so that ids stay unique across (dataset, architecture).
/// </summary>
public static class ExperimentIds
{
    public static string Original(string dataset, string architecture, int forgetClass) => $"000{forgetClass}-{dataset}-{architecture}";
    public static string Retrained(string dataset, string architecture, int forgetClass) => $"a00{forgetClass}-{dataset}-{architecture}";

    /// <summary>
    /// The Original row of a forget set (docs/forget-sets.md, "Baselines"): <c>000{c}-…</c> for class c as above,
    /// <c>000s-{set}-{dataset}-{architecture}</c> for a sample set.
    /// </summary>
    public static string Original(string dataset, string architecture, string forgetSetId) =>
        Data.ForgetSets.TryParseClassId(forgetSetId, out var c) ? Original(dataset, architecture, c) : $"000s-{forgetSetId}-{dataset}-{architecture}";

    /// <summary>The (first) Retrained row of a forget set: <c>a00{c}-…</c> or <c>a00s-{set}-{dataset}-{architecture}</c>.</summary>
    public static string Retrained(string dataset, string architecture, string forgetSetId) =>
        Data.ForgetSets.TryParseClassId(forgetSetId, out var c) ? Retrained(dataset, architecture, c) : $"a00s-{forgetSetId}-{dataset}-{architecture}";

    /// <summary>A further Retrained model of a forget set, trained with another seed: the first one's id + <c>-seed{n}</c>.</summary>
    public static string RetrainedSeed(string dataset, string architecture, string forgetSetId, long seed) =>
        $"{Retrained(dataset, architecture, forgetSetId)}-seed{seed}";

    /// <summary>
    /// The type an id's scheme tells: <c>000…</c> Original, <c>a00…</c> Retrained, anything else Unlearned (random ids
    /// never start with those prefixes, see <see cref="NewRandom"/>). An Uploaded model's id looks like an Unlearned
    /// one's; use the stored row's type where there is one.
    /// </summary>
    public static ExperimentType TypeOf(string id) =>
        id.StartsWith("000", StringComparison.Ordinal) ? ExperimentType.Original
        : id.StartsWith("a00", StringComparison.Ordinal) ? ExperimentType.Retrained
        : ExperimentType.Unlearned;

    /// <summary>The short id shown in the table and written as "ID" in exports (<c>0003</c>, <c>a003</c>, <c>3f9c</c>).</summary>
    public static string Display(string id) => id.Length > 4 && id[4] == '-' ? id[..4] : id;

    public static string NewRandom(Func<string, bool> exists, Random? rng = null)
    {
        rng ??= Random.Shared;
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            var id = rng.Next(0, 0x10000).ToString("x4");
            if (!id.StartsWith("000", StringComparison.Ordinal) && !id.StartsWith("a00", StringComparison.Ordinal) && !exists(id)) return id;
        }
        for (int len = 5; ; len++)
        {
            var id = Guid.NewGuid().ToString("N")[..len];
            if (!exists(id)) return id;
        }
    }
}
