using Unlearning.Core.Evaluation;

namespace Unlearning.Web.Components.Views;

/// <summary>
/// Stored results are read back from files that may have been imported from elsewhere; a chart must draw what it can
/// and say what it left out, never throw (a NaN or 1e308 handed to Plotly.Blazor ends the circuit for the viewer).
/// A tally counts what was clipped or dropped while a view model is built; its <see cref="Note"/> is shown under the chart.
/// </summary>
public sealed class PlotSanitizer
{
    /// <summary>Largest embedding coordinate drawn (UMAP output lies within tens of units).</summary>
    public const double MaxCoordinate = 1e6;

    public int Clipped { get; private set; }
    public int Dropped { get; private set; }

    /// <summary>A value that must lie in [0, 1] (accuracy, proportion, confidence, CKA): clipped into it; NaN becomes 0.</summary>
    public double Unit(double v)
    {
        if (v is >= 0 and <= 1) return v;
        Clipped++;
        return double.IsNaN(v) ? 0 : Math.Clamp(v, 0, 1);
    }

    public double[] Units(double[] values) => [.. values.Select(Unit)];

    /// <summary>Keeps the embedding points that can be drawn: finite coordinates within ±<see cref="MaxCoordinate"/>, non-negative indexes.</summary>
    public List<SubsetPoint> Drawable(IEnumerable<SubsetPoint> points, int classCount = int.MaxValue)
    {
        var kept = new List<SubsetPoint>();
        foreach (var p in points)
        {
            if (double.IsFinite(p.X) && double.IsFinite(p.Y) && Math.Abs(p.X) <= MaxCoordinate && Math.Abs(p.Y) <= MaxCoordinate
                && p.Img >= 0 && p.Gt >= 0 && p.Pred >= 0 && p.Gt < classCount && p.Pred < classCount)
                kept.Add(p);
            else Dropped++;
        }
        return kept;
    }

    /// <summary>Keeps the attack values whose entropy and confidence are finite.</summary>
    public List<AttackValue> Drawable(IEnumerable<AttackValue> values)
    {
        var kept = new List<AttackValue>();
        foreach (var v in values)
        {
            if (double.IsFinite(v.Entropy) && double.IsFinite(v.Confidence) && v.Img >= 0) kept.Add(v);
            else Dropped++;
        }
        return kept;
    }

    /// <summary>What the reader should know, or null when everything was drawn as stored.</summary>
    public string? Note => (Dropped, Clipped) switch
    {
        (0, 0) => null,
        (_, 0) => $"{Dropped} stored value{(Dropped == 1 ? " was" : "s were")} not a drawable number and {(Dropped == 1 ? "is" : "are")} left out.",
        (0, _) => $"{Clipped} stored value{(Clipped == 1 ? " was" : "s were")} out of range and {(Clipped == 1 ? "is" : "are")} drawn at the nearest limit.",
        _ => $"{Dropped} stored value(s) left out and {Clipped} clipped to their range: the results file holds numbers no evaluation produces.",
    };
}
