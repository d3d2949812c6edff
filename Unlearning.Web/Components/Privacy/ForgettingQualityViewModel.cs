using System.Globalization;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Web.Components.Privacy;

/// <summary>One forget example of the per-example view: its train index, ε, points and both groups' φ values.</summary>
public sealed record VulnerableExample(int Index, double Epsilon, double Points, double[] Unlearned, double[] Retrained);

/// <summary>One bar of the ε histogram: [From, To) and how many examples fall in it (To = ∞ for the last bar).</summary>
public sealed record EpsilonBin(string Label, double From, double To, int Count, double Points);

/// <summary>
/// The per-example vulnerability view of a forgetting-quality result (docs/views.md, "Per-example privacy"): the
/// examples ranked by ε (most vulnerable first) and the ε histogram in the point buckets of the score.
/// </summary>
public sealed record ForgettingQualityViewModel(ForgettingQualityRecord Record, IReadOnlyList<VulnerableExample> Ranked, IReadOnlyList<EpsilonBin> Histogram,
    int Examples)
{
    /// <summary>Examples shown in the grid.</summary>
    public const int GridSize = 48;

    /// <summary>
    /// Ranks the examples by ε (ties by train index) and counts them into bins of 0.5 up to ⌈ln(K − 1)⌉ (each bin earns
    /// its points) and one last bin from there on (no points). Returns null when the details do not fit the record
    /// (another K, mismatched lengths, values that are not finite): the view shows the summary only.
    /// </summary>
    public static ForgettingQualityViewModel? Build(ForgettingQualityRecord record, ForgettingQualityDetails? details, int gridSize = GridSize)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (details is null || !details.IsConsistentWith(record.K)) return null;
        int n = details.ForgetIndexes.Length;
        var ranked = Enumerable.Range(0, n)
            .OrderByDescending(i => details.Epsilon[i]).ThenBy(i => details.ForgetIndexes[i])
            .Take(Math.Max(0, gridSize))
            .Select(i => new VulnerableExample(details.ForgetIndexes[i], details.Epsilon[i], details.Points[i],
                [.. details.Unlearned.Select(r => r[i])], [.. details.Retrained.Select(r => r[i])]))
            .ToList();
        double max = ForgettingQuality.MaxEpsilon(details.K);
        var bins = new List<EpsilonBin>();
        for (double from = 0; from + 0.5 <= max; from += 0.5)
            bins.Add(new EpsilonBin($"{F(from)}–{F(from + 0.5)}", from, from + 0.5, details.Epsilon.Count(e => e >= from && e < from + 0.5), ForgettingQuality.Points(from, details.K)));
        bins.Add(new EpsilonBin($"≥ {F(max)}", max, double.PositiveInfinity, details.Epsilon.Count(e => e >= max), 0));
        return new ForgettingQualityViewModel(record, ranked, bins, n);
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
