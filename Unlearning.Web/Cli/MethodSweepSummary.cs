using System.Globalization;
using MathNet.Numerics.Statistics;

namespace Unlearning.Web.Cli;

/// <summary>One row of a <c>benchmark-methods</c> sweep: one model (a method's result or a baseline) on one forget class and seed.</summary>
/// <param name="Ps">Privacy score against the Retrained model of the class; null where there is none (the Retrained model itself, or no Retrained checkpoint).</param>
/// <param name="RunTimeSeconds">RT; null for the Original (its training time belongs to every class).</param>
/// <param name="Mia">Forget-vs-test membership AUC and <paramref name="MiaR"/> retain-vs-test AUC (docs/metrics.md); null in outputs written before they were printed.</param>
public sealed record SweepRow(string Model, int ForgetClass, long Seed, double Ua, double Ra, double Tua, double Tra, double? Ps, double? RunTimeSeconds,
    double? Mia = null, double? MiaR = null);

/// <summary>Mean and sample standard deviation of one metric over a model's rows; <see cref="Count"/> rows had a value.</summary>
public readonly record struct MeanStd(double Mean, double Std, int Count)
{
    /// <summary>"0.912 ± 0.013"; "–" when no row had a value; the deviation is omitted for a single value.</summary>
    public string Format(string format = "F3") => Count switch
    {
        0 => "–",
        1 => Mean.ToString(format, CultureInfo.InvariantCulture),
        _ => $"{Mean.ToString(format, CultureInfo.InvariantCulture)} ± {Std.ToString(format, CultureInfo.InvariantCulture)}",
    };
}

/// <summary>A model's summary over the forget classes (and seeds) of a sweep, and the classes where it stands out.</summary>
/// <param name="WorstTra">The class with the lowest TRA and that TRA (a collapse on one class hides in a mean).</param>
/// <param name="Collapsed">Classes whose TRA lies more than <see cref="MethodSweepSummary.CollapseMargin"/> below the Original's TRA for that class.</param>
/// <param name="NotForgotten">Classes whose UA is at least <see cref="MethodSweepSummary.ForgetThreshold"/>.</param>
public sealed record SweepSummaryRow(string Model, int Runs, MeanStd Ua, MeanStd Ra, MeanStd Tua, MeanStd Tra, MeanStd Ps, MeanStd RunTime,
    (int Class, double Tra) WorstTra, IReadOnlyList<int> Collapsed, IReadOnlyList<int> NotForgotten);

/// <summary>
/// The summary table of a <c>benchmark-methods</c> sweep (docs/methods.md, "Calibration over all classes"): per model, the
/// mean ± sample standard deviation (n − 1) of UA, RA, TUA, TRA, PS and RT over every forget class and seed it ran on,
/// plus the classes where a method collapses (TRA more than 5 points under the Original's on that class) or fails to
/// forget (UA ≥ 0.10).
/// </summary>
public static class MethodSweepSummary
{
    public const string OriginalModel = "Original";
    public const string RetrainedModel = "Retrained";

    /// <summary>A TRA this far below the Original's on the same class counts as a collapse of retain accuracy.</summary>
    public const double CollapseMargin = 0.05;

    /// <summary>A UA at or above this counts as not forgotten (the Retrained models' UA is 0 on every class).</summary>
    public const double ForgetThreshold = 0.10;

    /// <summary>Mean and sample standard deviation (n − 1; 0 for one value) of the values that are present.</summary>
    public static MeanStd Of(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        if (present.Length == 0) return new MeanStd(double.NaN, double.NaN, 0);
        if (present.Length == 1) return new MeanStd(present[0], 0, 1);
        var (mean, std) = present.MeanStandardDeviation();
        return new MeanStd(mean, std, present.Length);
    }

    /// <summary>
    /// The per-run rows of one or more earlier <c>benchmark-methods</c> outputs (the Markdown lines
    /// "| class | seed | model | UA | RA | TUA | TRA | PS | RT (s) | MIA | MIA-R |", or without the last two columns as
    /// earlier versions wrote them), so that sweeps run in several processes or on several machines can be summarised together. Other lines are skipped; a baseline row repeated by several outputs counts once.
    /// </summary>
    /// <exception cref="FormatException">A row has the right shape but a value that is not a number.</exception>
    public static IReadOnlyList<SweepRow> ParseRows(IEnumerable<string> lines)
    {
        var rows = new List<SweepRow>();
        var seen = new HashSet<(string, int, long)>();
        foreach (var line in lines)
        {
            var cells = line.Trim().Split('|');
            if (cells.Length is not (11 or 13) || cells[0].Length != 0 || cells[^1].Length != 0) continue;
            var c = cells[1..^1].Select(x => x.Trim()).ToArray();
            if (!int.TryParse(c[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int fc)) continue;   // header and rule
            long seed = c[1] == "-" ? 0 : long.Parse(c[1], NumberStyles.Integer, CultureInfo.InvariantCulture);
            var row = new SweepRow(c[2], fc, seed, Number(c[3]), Number(c[4]), Number(c[5]), Number(c[6]), Optional(c[7]), Optional(c[8]),
                c.Length > 9 ? Optional(c[9]) : null, c.Length > 10 ? Optional(c[10]) : null);
            if (seen.Add((row.Model, row.ForgetClass, row.Seed))) rows.Add(row);
        }
        return rows;

        static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        static double? Optional(string text) => text == "-" ? null : Number(text);
    }

    /// <summary>One summary row per model, in the order the models first appear in <paramref name="rows"/>.</summary>
    public static IReadOnlyList<SweepSummaryRow> Summarise(IReadOnlyList<SweepRow> rows)
    {
        var originalTra = rows.Where(r => r.Model == OriginalModel).GroupBy(r => r.ForgetClass).ToDictionary(g => g.Key, g => g.First().Tra);
        return [.. rows.GroupBy(r => r.Model).Select(g =>
        {
            var list = g.ToList();
            var worst = list.MinBy(r => r.Tra)!;
            var collapsed = g.Key == OriginalModel ? [] : list
                .Where(r => originalTra.TryGetValue(r.ForgetClass, out var o) && r.Tra < o - CollapseMargin)
                .Select(r => r.ForgetClass).Distinct().Order().ToList();
            var notForgotten = g.Key == OriginalModel ? [] : list
                .Where(r => r.Ua >= ForgetThreshold).Select(r => r.ForgetClass).Distinct().Order().ToList();
            return new SweepSummaryRow(g.Key, list.Count,
                Of(list.Select(r => (double?)r.Ua)), Of(list.Select(r => (double?)r.Ra)),
                Of(list.Select(r => (double?)r.Tua)), Of(list.Select(r => (double?)r.Tra)),
                Of(list.Select(r => r.Ps)), Of(list.Select(r => r.RunTimeSeconds)),
                (worst.ForgetClass, worst.Tra), collapsed, notForgotten);
        })];
    }

    /// <summary>The summary as a Markdown table, followed by one line per model that collapses or fails to forget on some class.</summary>
    public static void Write(TextWriter log, IReadOnlyList<SweepSummaryRow> summary)
    {
        log.WriteLine("| model | runs | UA | RA | TUA | TRA | PS | RT (s) | lowest TRA (class) |");
        log.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var s in summary)
            log.WriteLine($"| {s.Model} | {s.Runs} | {s.Ua.Format()} | {s.Ra.Format()} | {s.Tua.Format()} | {s.Tra.Format()} | {s.Ps.Format()} | " +
                $"{s.RunTime.Format("F1")} | {s.WorstTra.Tra.ToString("F3", CultureInfo.InvariantCulture)} ({s.WorstTra.Class}) |");
        var flagged = summary.Where(s => s.Collapsed.Count > 0 || s.NotForgotten.Count > 0).ToList();
        if (flagged.Count == 0) return;
        log.WriteLine();
        foreach (var s in flagged)
        {
            var parts = new List<string>();
            if (s.Collapsed.Count > 0)
                parts.Add($"TRA more than {CollapseMargin * 100:F0} points below the Original's on class(es) {string.Join(", ", s.Collapsed)}");
            if (s.NotForgotten.Count > 0)
                parts.Add($"UA ≥ {ForgetThreshold:F2} (not forgotten) on class(es) {string.Join(", ", s.NotForgotten)}");
            log.WriteLine($"- {s.Model}: {string.Join("; ", parts)}.");
        }
    }
}
