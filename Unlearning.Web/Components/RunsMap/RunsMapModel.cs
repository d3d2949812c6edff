using System.Globalization;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Results;

namespace Unlearning.Web.Components.RunsMap;

/// <summary>The metrics the runs map can put on an axis (docs/views.md, "Runs map").</summary>
public enum RunsMetric { UA, RA, TUA, TRA, PS, RT, Gap }

/// <summary>One point of the map: a run and its two coordinates.</summary>
/// <param name="Stale">Measured against replaced references (drawn faded, only when the user includes stale runs).</param>
public sealed record RunsPoint(Experiment Run, double X, double Y, StaleStatus? Stale = null)
{
    public bool IsStale => Stale?.IsStale == true;
}

/// <summary>
/// The runs map (docs/views.md, "Runs map"): every run of the open forget set as a point of two chosen metrics, and
/// the Pareto front of that pair. Plain C# so that the front is tested without a browser.
/// </summary>
public static class RunsMapModel
{
    /// <summary>
    /// Whether a larger value is better by default: RA, TRA and PS up; UA and TUA (accuracy on what should be
    /// forgotten), RT (seconds) and the gap to Retrained down.
    /// </summary>
    public static bool MaximiseByDefault(RunsMetric m) => m is RunsMetric.RA or RunsMetric.TRA or RunsMetric.PS;

    public static string Label(RunsMetric m) => m switch
    {
        RunsMetric.Gap => "Gap to Retrained",
        RunsMetric.RT => "RT (s)",
        _ => m.ToString(),
    };

    public static string Describe(RunsMetric m) => m switch
    {
        RunsMetric.UA => "accuracy on the forget samples (train)",
        RunsMetric.RA => "accuracy on the remaining train samples",
        RunsMetric.TUA => "accuracy on the forget class's test samples",
        RunsMetric.TRA => "accuracy on the remaining test samples",
        RunsMetric.PS => "privacy score, 1 − worst attack score",
        RunsMetric.RT => "run time in seconds",
        _ => "mean |UA, RA, TUA, TRA − the Retrained model's|",
    };

    /// <summary>A run's value of <paramref name="m"/>; null when it has none (not evaluated, no Retrained model for the gap, NaN).</summary>
    public static double? Value(Experiment e, RunsMetric m, RetrainedReference? reference)
    {
        ArgumentNullException.ThrowIfNull(e);
        double? v = m switch
        {
            RunsMetric.UA => e.UA,
            RunsMetric.RA => e.RA,
            RunsMetric.TUA => e.TUA,
            RunsMetric.TRA => e.TRA,
            RunsMetric.PS => e.PS,
            RunsMetric.RT => e.RT,
            _ => RunGroups.Gap(e, reference),
        };
        return v is double d && double.IsFinite(d) ? d : null;
    }

    /// <summary>
    /// The drawable points: Ready runs with both values (the others are counted in the map's note). Stale runs (measured
    /// against replaced references; docs/results-format.md, "Stale results") are left out unless <paramref name="includeStale"/>;
    /// included, they carry their status so the map can draw them apart. <paramref name="assessed"/> is the table's
    /// assessment of the same rows (<see cref="StaleReferences.Assess"/>), so it is not made twice per page.
    /// </summary>
    public static IReadOnlyList<RunsPoint> Points(IReadOnlyList<Experiment> runs, RunsMetric x, RunsMetric y, bool includeStale = false,
        IReadOnlyDictionary<string, StaleStatus>? assessed = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var reference = RunGroups.RetrainedMeans(runs.Where(e => e.Type == ExperimentType.Retrained));
        var stale = assessed ?? StaleReferences.Assess(runs);
        var points = new List<RunsPoint>();
        foreach (var e in runs)
        {
            if (e.Status != ExperimentStatus.Ready) continue;
            var status = stale.TryGetValue(e.Id, out var s) ? s : null;
            if (status?.IsStale == true && !includeStale) continue;
            if (Value(e, x, reference) is double vx && Value(e, y, reference) is double vy) points.Add(new RunsPoint(e, vx, vy, status));
        }
        return points;
    }

    /// <summary>How many of <paramref name="runs"/> are stale (the count on the map's "include stale" switch).</summary>
    public static int StaleCount(IReadOnlyList<Experiment> runs, IReadOnlyDictionary<string, StaleStatus> assessed) =>
        runs.Count(e => assessed.TryGetValue(e.Id, out var s) && s.IsStale);

    /// <summary>
    /// The Pareto front of <paramref name="points"/>: the indexes of the points that no other point dominates, ordered
    /// by x ascending (then y ascending) for drawing the front as a line. q dominates p when q is at least as good on
    /// both axes and strictly better on one ("better" = larger where that axis is maximised, else smaller). Equal
    /// points do not dominate each other, so all copies of a front point are on the front. Non-finite points are
    /// never on it. O(n²), for the few hundred runs of a forget set.
    /// </summary>
    public static IReadOnlyList<int> ParetoFront(IReadOnlyList<(double X, double Y)> points, bool maximiseX, bool maximiseY)
    {
        ArgumentNullException.ThrowIfNull(points);
        double Gx(int i) => maximiseX ? points[i].X : -points[i].X;
        double Gy(int i) => maximiseY ? points[i].Y : -points[i].Y;
        bool Finite(int i) => double.IsFinite(points[i].X) && double.IsFinite(points[i].Y);
        var front = new List<int>();
        for (int i = 0; i < points.Count; i++)
        {
            if (!Finite(i)) continue;
            bool dominated = false;
            for (int j = 0; j < points.Count && !dominated; j++)
            {
                if (j == i || !Finite(j)) continue;
                dominated = Gx(j) >= Gx(i) && Gy(j) >= Gy(i) && (Gx(j) > Gx(i) || Gy(j) > Gy(i));
            }
            if (!dominated) front.Add(i);
        }
        return [.. front.OrderBy(i => points[i].X).ThenBy(i => points[i].Y)];
    }

    /// <summary>The ideal corner: the best x and the best y over the points (null when there are none).</summary>
    public static (double X, double Y)? Ideal(IReadOnlyList<(double X, double Y)> points, bool maximiseX, bool maximiseY)
    {
        ArgumentNullException.ThrowIfNull(points);
        var finite = points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        if (finite.Count == 0) return null;
        return (maximiseX ? finite.Max(p => p.X) : finite.Min(p => p.X), maximiseY ? finite.Max(p => p.Y) : finite.Min(p => p.Y));
    }

    /// <summary>Nice axis bounds with a little padding: [lo, hi] around the values (a single value gets ±0.05 or ±5 %).</summary>
    public static (double Lo, double Hi) Domain(IEnumerable<double> values)
    {
        var list = values.Where(double.IsFinite).ToList();
        if (list.Count == 0) return (0, 1);
        double lo = list.Min(), hi = list.Max();
        double pad = hi > lo ? (hi - lo) * 0.06 : Math.Max(0.05, Math.Abs(lo) * 0.05);
        return (lo - pad, hi + pad);
    }

    public static string Format(RunsMetric m, double v) =>
        m == RunsMetric.RT ? v.ToString("0.#", CultureInfo.InvariantCulture) : v.ToString("0.000", CultureInfo.InvariantCulture);
}
