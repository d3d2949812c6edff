using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Unlearning.Core.Experiments.Results;

/// <summary>
/// Mean and sample standard deviation of a metric over the runs of a group (docs/forget-sets.md, "Group statistics").
/// <see cref="Std"/> divides by n − 1 and is null for a single value.
/// </summary>
public sealed record MetricStats(double Mean, double? Std, int N);

/// <summary>
/// The Retrained model(s) of a forget set as the reference of the gap (docs/forget-sets.md, "Gap to Retrained"):
/// each metric's mean over the Ready runs that have it; <see cref="Runs"/> counts those Ready runs.
/// </summary>
public sealed record RetrainedReference(double? UA, double? RA, double? TUA, double? TRA, int Runs);

/// <summary>
/// Runs that differ only by their seed (docs/forget-sets.md, "Groups"), ordered by seed then creation time.
/// A group of one run is shown as that run.
/// </summary>
public sealed record RunGroup(string Key, IReadOnlyList<Experiment> Runs)
{
    public Experiment First => Runs[0];
    public bool IsGroup => Runs.Count > 1;

    /// <summary>The stale runs of a configuration, grouped apart from its current runs (<see cref="RunGroups.Group(IEnumerable{Experiment}, Func{Experiment, bool}?)"/>).</summary>
    public bool IsStale => Key.EndsWith(RunGroups.StaleKeySuffix, StringComparison.Ordinal);

    /// <summary>The configuration key without the stale marker: the key forgetting-quality results are stored under.</summary>
    public string ConfigurationKey => IsStale ? Key[..^RunGroups.StaleKeySuffix.Length] : Key;

    public MetricStats? UA => Stats(e => e.UA);
    public MetricStats? RA => Stats(e => e.RA);
    public MetricStats? TUA => Stats(e => e.TUA);
    public MetricStats? TRA => Stats(e => e.TRA);
    public MetricStats? PS => Stats(e => e.PS);
    public MetricStats? RT => Stats(e => e.RT);

    /// <summary>The statistics of any per-run value over this group's runs (see <see cref="RunGroups.Stats"/>).</summary>
    public MetricStats? Stats(Func<Experiment, double?> metric) => RunGroups.Stats(Runs.Select(metric));
}

/// <summary>
/// Groups of runs that share a configuration and differ only by seed, their statistics, and the gap to the
/// Retrained model (docs/forget-sets.md, "Groups", "Group statistics", "Gap to Retrained").
/// </summary>
public static class RunGroups
{
    /// <summary>
    /// The configuration of a run without its seed (docs/forget-sets.md, "Groups"): dataset, architecture, forget set,
    /// type, method, base model and hyperparameters (keys sorted case-insensitively, numbers written invariant "R").
    /// Retrained runs of one forget set share one key whatever their method or hyperparameters; Original and
    /// Uploaded rows get their id in the key, so they are never grouped.
    /// </summary>
    public static string ConfigurationKey(Experiment e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var key = new StringBuilder()
            .Append(e.Type).Append('|').Append(e.Dataset).Append('|').Append(e.Architecture).Append('|').Append(e.ForgetSetId);
        switch (e.Type)
        {
            case ExperimentType.Retrained:
                break;
            case ExperimentType.Unlearned:
                key.Append('|').Append(e.Method).Append('|').Append(e.BaseId).Append('|').Append(CanonicalHyperparameters(e.HyperparametersJson));
                break;
            default:
                key.Append("|id=").Append(e.Id);
                break;
        }
        return key.ToString();
    }

    /// <summary>Appended to the key of a group of stale runs (docs/results-format.md, "Stale results").</summary>
    public const string StaleKeySuffix = "|stale";

    /// <summary>
    /// The runs grouped by <see cref="ConfigurationKey"/>: groups in the order of their first run in
    /// <paramref name="experiments"/>, runs inside a group by seed (none first), then creation time. With
    /// <paramref name="isStale"/>, the stale runs of a configuration form a group of their own (key +
    /// <see cref="StaleKeySuffix"/>), so that its statistics never mix results measured against replaced references with
    /// current ones (docs/results-format.md, "Stale results"); without it every run of a configuration is grouped together.
    /// </summary>
    public static IReadOnlyList<RunGroup> Group(IEnumerable<Experiment> experiments, Func<Experiment, bool>? isStale = null)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        var order = new List<string>();
        var byKey = new Dictionary<string, List<Experiment>>(StringComparer.Ordinal);
        foreach (var e in experiments)
        {
            var key = ConfigurationKey(e);
            if (isStale is not null && isStale(e)) key += StaleKeySuffix;
            if (!byKey.TryGetValue(key, out var runs))
            {
                byKey[key] = runs = [];
                order.Add(key);
            }
            runs.Add(e);
        }
        return [.. order.Select(k => new RunGroup(k,
            [.. byKey[k].OrderBy(e => e.Seed.HasValue).ThenBy(e => e.Seed ?? 0).ThenBy(e => e.CreatedUtc)]))];
    }

    /// <summary>
    /// Mean x̄ = Σx / n and sample standard deviation s = √(Σ(x − x̄)² / (n − 1)) of the values that are present
    /// (null and NaN are skipped); s is null for n = 1, and the result is null for n = 0.
    /// </summary>
    public static MetricStats? Stats(IEnumerable<double?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var xs = values.Where(v => v is { } x && !double.IsNaN(x)).Select(v => v!.Value).ToList();
        if (xs.Count == 0) return null;
        double mean = xs.Sum() / xs.Count;
        if (xs.Count == 1) return new MetricStats(mean, null, 1);
        double squares = xs.Sum(x => (x - mean) * (x - mean));
        return new MetricStats(mean, Math.Sqrt(squares / (xs.Count - 1)), xs.Count);
    }

    /// <summary>
    /// The reference of <see cref="Gap"/>: the mean of UA, RA, TUA and TRA over the Ready runs among
    /// <paramref name="retrainedRuns"/> that have the metric; null when none is Ready.
    /// </summary>
    public static RetrainedReference? RetrainedMeans(IEnumerable<Experiment> retrainedRuns)
    {
        ArgumentNullException.ThrowIfNull(retrainedRuns);
        var ready = retrainedRuns.Where(e => e.Status == ExperimentStatus.Ready).ToList();
        if (ready.Count == 0) return null;
        double? Mean(Func<Experiment, double?> metric) => Stats(ready.Select(metric))?.Mean;
        return new RetrainedReference(Mean(e => e.UA), Mean(e => e.RA), Mean(e => e.TUA), Mean(e => e.TRA), ready.Count);
    }

    /// <summary>
    /// The average gap to Retrained of SalUn (Fan et al., ICLR 2024; docs/forget-sets.md, "Gap to Retrained"):
    /// gap = (1 / |P|) · Σ_{m ∈ P} |m − m_R| over the metrics P ⊆ {UA, RA, TUA, TRA} that both the run and the
    /// reference have. A sample forget set has no TUA, so its gap averages three terms. Null when P is empty.
    /// </summary>
    public static double? Gap(Experiment e, RetrainedReference? r)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (r is null) return null;
        double sum = 0;
        int terms = 0;
        void Add(double? x, double? reference)
        {
            if (x is { } a && reference is { } b && !double.IsNaN(a) && !double.IsNaN(b))
            {
                sum += Math.Abs(a - b);
                terms++;
            }
        }
        Add(e.UA, r.UA);
        Add(e.RA, r.RA);
        Add(e.TUA, r.TUA);
        Add(e.TRA, r.TRA);
        return terms == 0 ? null : sum / terms;
    }

    /// <summary>The statistics of the per-run gaps (<see cref="Gap"/>) of a group.</summary>
    public static MetricStats? GapStats(RunGroup g, RetrainedReference? r)
    {
        ArgumentNullException.ThrowIfNull(g);
        return Stats(g.Runs.Select(e => Gap(e, r)));
    }

    /// <summary>
    /// Hyperparameters as <c>name=value;…</c> with names sorted case-insensitively and numbers written with the
    /// invariant "R" format, so that key order and number spelling (1, 1.0, 1e0) do not split a group. Text that is
    /// not a JSON object is kept as it is.
    /// </summary>
    private static string CanonicalHyperparameters(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return "";
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return json.Trim();
            var pairs = doc.RootElement.EnumerateObject()
                .Select(p => (p.Name, Value: p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var d)
                    ? d.ToString("R", CultureInfo.InvariantCulture)
                    : p.Value.GetRawText()))
                .OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Name, StringComparer.Ordinal);
            return string.Join(";", pairs.Select(p => p.Name + "=" + p.Value));
        }
        catch (JsonException)
        {
            return json.Trim();
        }
    }
}
