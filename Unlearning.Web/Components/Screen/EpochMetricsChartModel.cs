using Unlearning.Core.Evaluation;

namespace Unlearning.Web.Components.Screen;

/// <summary>One experiment's per-epoch metrics to draw, with its legend label and colour (used when several are overlaid).</summary>
/// <param name="Label">E.g. "Model A (Unlearned, 285d)".</param>
/// <param name="Metrics">The stored record; null when the experiment has none.</param>
public sealed record EpochMetricsSource(string Label, string Color, EpochMetrics? Metrics);

/// <summary>One line: one metric of one experiment against the epoch. A null value is a gap (N/A, or a value that cannot be drawn).</summary>
/// <param name="Metric">The file key (<c>UA</c>, <c>C-MIA</c>, …).</param>
/// <param name="Dash">Plotly dash style: <c>solid</c>, <c>dash</c>, <c>dashdot</c>, <c>dot</c>.</param>
/// <param name="Symbol">Marker: <c>circle</c>, <c>x</c>, <c>star</c>, <c>square</c>, <c>diamond</c>.</param>
public sealed record EpochMetricsLine(string Name, string Metric, string Source, string Color, string Dash, string Symbol, int[] Epochs, double?[] Values);

/// <summary>One chart: a metric group (accuracies, privacy score, MIA efficacy) against the epoch.</summary>
public sealed record EpochMetricsPanel(string Title, string YLabel, IReadOnlyList<EpochMetricsLine> Lines)
{
    /// <summary>The largest epoch of any line (the x axis runs from 0 to it).</summary>
    public int MaxEpoch => Lines.Count == 0 ? 0 : Lines.Max(l => l.Epochs.Length == 0 ? 0 : l.Epochs[^1]);
}

/// <summary>
/// The per-epoch metrics popover's charts (docs/views.md, "Per-epoch metrics"): one panel per metric group — Accuracy (UA, RA,
/// TUA, TRA), Privacy score (PS), MIA efficacy (C-MIA, E-MIA) — with one line per metric and experiment, x = epoch 0..N. As the
/// original's popover, UA/TUA are dashed with ✕ markers, RA/TRA solid with circles, train in dark green #2A6218 and test in light
/// green #67CA4D, PS dash-dot with stars in #D54B04. When several experiments are overlaid each line takes its experiment's
/// colour instead (Model A emerald, Model B purple) and keeps its metric's dash and marker. Every stored value is checked: a
/// value that is missing, not finite or outside [0, 1] becomes a gap and is counted in <see cref="Note"/>; series of unequal
/// length are drawn as they are. Nothing here throws on a stored record, however malformed.
/// </summary>
public sealed class EpochMetricsChartModel
{
    private static readonly (string Title, string YLabel, (string Key, string Color, string Dash, string Symbol)[] Metrics)[] Groups =
    [
        ("Accuracy", "Accuracy",
            [("UA", "#2A6218", "dash", "x"), ("RA", "#2A6218", "solid", "circle"), ("TUA", "#67CA4D", "dash", "x"), ("TRA", "#67CA4D", "solid", "circle")]),
        ("Privacy score", "PS", [("PS", "#D54B04", "dashdot", "star")]),
        ("MIA efficacy", "Fraction predicted non-member", [("C-MIA", "#4E79A7", "solid", "square"), ("E-MIA", "#76B7B2", "dot", "diamond")]),
    ];

    private EpochMetricsChartModel(IReadOnlyList<EpochMetricsPanel> panels, IReadOnlyList<string> drawn, string? note)
    {
        Panels = panels;
        Drawn = drawn;
        Note = note;
    }

    /// <summary>The charts; empty when no source has per-epoch metrics.</summary>
    public IReadOnlyList<EpochMetricsPanel> Panels { get; }

    /// <summary>Labels of the sources that have something to draw.</summary>
    public IReadOnlyList<string> Drawn { get; }

    /// <summary>What could not be drawn (sources without metrics, values left out); null when everything was drawn.</summary>
    public string? Note { get; }

    public bool IsEmpty => Panels.Count == 0;

    /// <summary>Builds the panels of one or more sources (more than one: overlaid, each in its own colour).</summary>
    public static EpochMetricsChartModel Build(IReadOnlyList<EpochMetricsSource?>? sources)
    {
        var usable = new List<(EpochMetricsSource Source, Dictionary<string, double?[]> Series)>();
        var notes = new List<string>();
        int dropped = 0;
        foreach (var source in sources ?? [])
        {
            if (source is null) continue;
            var series = new Dictionary<string, double?[]>();
            foreach (var key in EpochMetrics.Keys)
            {
                var values = Read(source.Metrics, key);
                if (values.Length == 0) continue;
                var clean = new double?[values.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    clean[i] = values[i] is double v && double.IsFinite(v) && v is >= 0 and <= 1 ? v : null;
                    // A null entry is N/A as stored (e.g. TUA of a sample set); anything else left out is a bad value.
                    if (clean[i] is null && values[i] is not null) dropped++;
                }
                if (clean.Any(v => v is not null)) series[key] = clean;
            }
            if (series.Count == 0) notes.Add($"{source.Label}: no per-epoch metrics");
            else usable.Add((source, series));
        }
        if (dropped > 0) notes.Add($"{dropped} stored value(s) outside [0, 1] or not numbers are left out");
        bool overlay = usable.Count > 1;
        var panels = new List<EpochMetricsPanel>();
        foreach (var (title, yLabel, metrics) in Groups)
        {
            var lines = new List<EpochMetricsLine>();
            foreach (var (source, series) in usable)
                foreach (var (key, color, dash, symbol) in metrics)
                    if (series.TryGetValue(key, out var values))
                        lines.Add(new EpochMetricsLine(overlay ? $"{key} · {source.Label}" : key, key, source.Label, overlay ? source.Color : color, dash, symbol,
                            [.. Enumerable.Range(0, values.Length)], values));
            if (lines.Count > 0) panels.Add(new EpochMetricsPanel(title, yLabel, lines));
        }
        return new EpochMetricsChartModel(panels, [.. usable.Select(u => u.Source.Label)], notes.Count == 0 ? null : string.Join("; ", notes) + ".");
    }

    /// <summary>A series as stored, or none: a record read from a hand-edited document may hold null lists.</summary>
    private static double?[] Read(EpochMetrics? metrics, string key)
    {
        if (metrics is null) return [];
        // Not null by its declaration, but a document with "ua": null deserialises to a null list.
        IReadOnlyList<double?>? list = metrics.Series(key);
        return list is null ? [] : [.. list.Take(Core.Experiments.ImportSchema.MaxEpochMetricsEntries)];
    }
}
