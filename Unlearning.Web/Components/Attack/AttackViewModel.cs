using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Components.Attack;

/// <summary>The four threshold strategies of the attack view (docs/views.md, "Metric and strategies").</summary>
public enum ThresholdStrategy { Custom, MaxAttackScore, MaxSuccessRate, CommonThreshold }

/// <summary>
/// One side of the attack view: a model's forget-class subset values and stored curves against the Retrained
/// model's values (docs/views.md, "Data used"). Samples are matched by position, not by image index (both lists are the
/// same fixed subset, but nothing here depends on it).
/// </summary>
public sealed class AttackSideData
{
    public required AttackCurves Curves { get; init; }
    public required IReadOnlyList<AttackValue> Retrained { get; init; }
    public required IReadOnlyList<AttackValue> Model { get; init; }

    /// <summary>
    /// The side's data, or null when either model lacks attack values. Any pair is drawable (docs/views.md, "Attack
    /// view"): a model without its four stored curves — the Retrained model itself, an imported row, an older
    /// Original — gets them computed here from its values against the Retrained model's, exactly as the evaluation
    /// computes the stored ones. Imported files may hold values no evaluation produces; those samples are left out
    /// rather than binned at NaN.
    /// </summary>
    public static AttackSideData? From(ComparedModel retrained, ComparedModel model) =>
        retrained.Results?.Attack is { } r && model.Results?.Attack is { } m
            ? Drawable(model.AttackCurves, r.Values, m.Values)
            : null;

    /// <summary>The side's data from two results documents (see <see cref="From(ComparedModel, ComparedModel)"/>).</summary>
    public static AttackSideData? From(ExperimentResults retrained, ExperimentResults model) =>
        retrained.Attack is { } r && model.Attack is { } m
            ? Drawable(m.Curves(), r.Values, m.Values)
            : null;

    private static AttackSideData? Drawable(AttackCurves? curves, IReadOnlyList<AttackValue> retrained, IReadOnlyList<AttackValue> model)
    {
        var drawable = new Views.PlotSanitizer();
        var keptRetrained = drawable.Drawable(retrained);
        var keptModel = drawable.Drawable(model);
        if (curves is null && (keptRetrained.Count == 0 || keptModel.Count == 0)) return null;
        return new AttackSideData
        {
            Curves = curves ?? PrivacyScore.SubsetCurves(keptModel, keptRetrained),
            Retrained = keptRetrained, Model = keptModel, Note = drawable.Note, CurvesComputed = curves is null,
        };
    }

    /// <summary>True when the model had no stored curves and they were computed from the values here.</summary>
    public bool CurvesComputed { get; init; }

    /// <summary>What was left out of the stored values (shown under the side), or null when all were drawable.</summary>
    public string? Note { get; init; }

    public MergedAttackPoint[] Merged(AttackMetric metric) => AttackStrategies.Merge(Curves, metric);

    public double[] RetrainValues(AttackMetric metric) => [.. Retrained.Select(v => Value(v, metric))];
    public double[] ModelValues(AttackMetric metric) => [.. Model.Select(v => Value(v, metric))];

    public static double Value(AttackValue v, AttackMetric metric) => metric == AttackMetric.Entropy ? v.Entropy : v.Confidence;
}

/// <summary>One sample in the butterfly plot and the instance grids.</summary>
/// <param name="FromModel">True for the compared model's sample, false for the Retrained model's.</param>
/// <param name="Success">Whether the attack decides correctly for this sample (Core's <see cref="AttackStrategies.IsSuccess"/>).</param>
public sealed record AttackSample(int Img, bool FromModel, double Value, bool Success)
{
    /// <summary>What the attack predicts for this sample: "the model" when it is right about a model sample or wrong about a Retrained one.</summary>
    public bool PredictedModel => FromModel ? Success : !Success;
}

/// <summary>One row of the butterfly plot: the samples whose value falls in [Low, Low + step).</summary>
public sealed record ButterflyBin(int Index, double Low, IReadOnlyList<AttackSample> Retrained, IReadOnlyList<AttackSample> Model);

/// <summary>Everything one side of the attack view draws at the chosen threshold.</summary>
/// <param name="Curve">The merged curve (per threshold the stronger direction) drawn in the threshold chart.</param>
/// <param name="AtThreshold">The merged curve's point at the threshold (its direction decides the prediction side).</param>
public sealed record AttackSideView(
    AttackMetric Metric,
    double Threshold,
    MergedAttackPoint AtThreshold,
    MergedAttackPoint[] Curve,
    IReadOnlyList<ButterflyBin> Bins,
    AttackOutcome Outcome,
    IReadOnlyList<AttackSample> Successes,
    IReadOnlyList<AttackSample> Failures)
{
    /// <summary>Privacy Score = 1 − attack_score at the threshold (docs/metrics.md, "Privacy score").</summary>
    public double PrivacyScore => AtThreshold.PrivacyScore;

    public AttackDirection Direction => AtThreshold.Direction;

    /// <summary>The largest bin population on either side (the butterfly's x extent).</summary>
    public int MaxBinCount => Bins.Select(b => Math.Max(b.Retrained.Count, b.Model.Count)).DefaultIfEmpty(0).Max();
}

/// <summary>
/// Horizontal geometry of a butterfly plot (docs/views.md, "Butterfly plot"): circles keep their size and spacing instead of shrinking,
/// so a crowded bin runs past the half-width, and the user pans by up to that overflow on each side.
/// </summary>
/// <param name="Radius">Circle radius (3.3 as the original, less when the rows are thinner).</param>
/// <param name="Spacing">Distance between neighbouring circles' centres in a row.</param>
/// <param name="PanMin">Most negative horizontal shift (reveals the model side's overflow on the right); ≤ 0.</param>
/// <param name="PanMax">Largest horizontal shift (reveals the Retrained side's overflow on the left); ≥ 0.</param>
public sealed record ButterflyLayout(double Radius, double Spacing, double PanMin, double PanMax)
{
    /// <summary>Largest circle radius, as the original.</summary>
    public const double MaxRadius = 3.3;

    /// <summary>Whether any bin overflows, i.e. whether panning does anything.</summary>
    public bool CanPan => PanMin < 0 || PanMax > 0;

    /// <summary>
    /// The layout for rows of height <paramref name="rowHeight"/> and <paramref name="halfWidth"/> of room on each
    /// side of the centre line: radius = min(3.3, rowHeight / 2 − 0.2) (at least 0.8), spacing = 2·radius + 0.6,
    /// overflow on a side = max(0, its longest row · spacing − halfWidth).
    /// </summary>
    public static ButterflyLayout For(int maxRetrained, int maxModel, double halfWidth, double rowHeight)
    {
        double r = Math.Min(MaxRadius, Math.Max(0.8, rowHeight / 2 - 0.2));
        double dx = 2 * r + 0.6;
        double left = Math.Max(0, maxRetrained * dx - halfWidth);
        double right = Math.Max(0, maxModel * dx - halfWidth);
        return new ButterflyLayout(r, dx, -right, left);
    }

    public static ButterflyLayout For(AttackSideView view, double halfWidth, double rowHeight) => For(
        view.Bins.Select(b => b.Retrained.Count).DefaultIfEmpty(0).Max(),
        view.Bins.Select(b => b.Model.Count).DefaultIfEmpty(0).Max(),
        halfWidth, rowHeight);
}

/// <summary>
/// The thumbnails of the attack grids as one sprite strip (<c>/api/images/{dataset}/train/strip?ids=…</c>): the distinct
/// images in ascending order, image k at x = k·size. Both sides show the same forget-class subset, so they ask for the
/// same URL and the browser fetches it once, instead of one request per thumbnail.
/// </summary>
public sealed class ThumbnailStrip
{
    private readonly Dictionary<int, int> positions;

    public ThumbnailStrip(IEnumerable<int> images)
    {
        Images = [.. images.Distinct().Order()];
        positions = Images.Select((img, k) => (img, k)).ToDictionary(p => p.img, p => p.k);
    }

    /// <summary>The strip's images, left to right.</summary>
    public IReadOnlyList<int> Images { get; }

    /// <summary>Position of <paramref name="img"/> in the strip (its x offset in thumbnails).</summary>
    public int PositionOf(int img) => positions[img];

    public string Url(string dataset) =>
        $"/api/images/{Uri.EscapeDataString(dataset)}/train/strip?ids={string.Join(",", Images.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)))}";

    /// <summary>CSS background-position that shows <paramref name="img"/> in a thumbnail of <paramref name="size"/> px.</summary>
    public string BackgroundPosition(int img, int size) =>
        (PositionOf(img) == 0 ? "0" : $"-{(PositionOf(img) * size).ToString(System.Globalization.CultureInfo.InvariantCulture)}px") + " 0";

    /// <summary>CSS background-size of the whole strip for thumbnails of <paramref name="size"/> px.</summary>
    public string BackgroundSize(int size) => $"{(Images.Count * size).ToString(System.Globalization.CultureInfo.InvariantCulture)}px {size.ToString(System.Globalization.CultureInfo.InvariantCulture)}px";
}

/// <summary>One entry of the butterfly legend: where a sample comes from and what the attack predicts for it.</summary>
public sealed record ButterflyLegendEntry(string Label, string Color, bool FromModel, bool PredictedModel);

/// <summary>The attack view's computations (docs/views.md, "Attack view") on top of the pure functions in <c>Core.Evaluation.Privacy</c>.</summary>
public static class AttackViewModel
{
    /// <summary>
    /// The threshold under a drag at <paramref name="fractionFromTop"/> of the plot height (0 = top = the metric's
    /// maximum, 1 = bottom = its minimum), snapped to the step and clamped to the range (docs/views.md, "Metric and strategies", Custom).
    /// </summary>
    public static double ThresholdAtFraction(AttackMetric metric, double fractionFromTop)
    {
        var (lo, hi) = AttackScore.Range(metric);
        double f = double.IsNaN(fractionFromTop) ? 0 : Math.Clamp(fractionFromTop, 0, 1);
        return AttackStrategies.SnapThreshold(metric, hi - f * (hi - lo));
    }

    /// <summary>
    /// The four legend entries of a side's butterfly plot (docs/views.md, "Butterfly plot"), in the original's order: a sample the attack
    /// attributes to the Retrained model is drawn faded (light colour), one it attributes to the model opaque.
    /// </summary>
    public static IReadOnlyList<ButterflyLegendEntry> Legend(string modelName, string modelColor, string modelLightColor) =>
    [
        new("From Retrained / Pred. Retrained", Views.ViewColors.RetrainedLight, false, false),
        new($"From {modelName} / Pred. Retrained", modelLightColor, true, false),
        new($"From Retrained / Pred. {modelName}", Views.ViewColors.Retrained, false, true),
        new($"From {modelName} / Pred. {modelName}", modelColor, true, true),
    ];

    /// <summary>Index of the threshold nearest to <paramref name="threshold"/> on the metric's 51-point grid.</summary>
    public static int ThresholdIndex(AttackMetric metric, double threshold)
    {
        var (lo, _) = AttackScore.Range(metric);
        return Math.Clamp((int)Math.Round((threshold - lo) / AttackScore.Step(metric)), 0, AttackScore.ThresholdCount - 1);
    }

    /// <summary>
    /// The threshold a strategy picks for <paramref name="side"/>: Custom → the snapped custom value; Max Attack
    /// Score → argmax of the merged curve; Max Success Rate → the candidate with most correct decisions in the
    /// direction of the merged point at <paramref name="currentThreshold"/>; Common Threshold → argmax of the sum of
    /// both sides' merged curves (this side's Max Attack Score when there is no other side).
    /// </summary>
    public static double ThresholdFor(ThresholdStrategy strategy, AttackMetric metric, AttackSideData side, AttackSideData? other, double customThreshold, double currentThreshold)
    {
        var merged = side.Merged(metric);
        switch (strategy)
        {
            case ThresholdStrategy.MaxAttackScore:
                return AttackStrategies.MaxAttackScore(merged).Threshold;
            case ThresholdStrategy.MaxSuccessRate:
                var direction = merged[ThresholdIndex(metric, currentThreshold)].Direction;
                return AttackStrategies.MaxSuccessRate(side.RetrainValues(metric), side.ModelValues(metric), AttackScore.Step(metric), direction).Threshold;
            case ThresholdStrategy.CommonThreshold:
                return other is null
                    ? AttackStrategies.MaxAttackScore(merged).Threshold
                    : AttackStrategies.CommonThreshold(merged, other.Merged(metric)).Threshold;
            default:
                return AttackStrategies.SnapThreshold(metric, customThreshold);
        }
    }

    /// <summary>The side's view at <paramref name="threshold"/>: merged curve, butterfly bins, success and failure sets.</summary>
    public static AttackSideView Build(AttackSideData side, AttackMetric metric, double threshold)
    {
        var merged = side.Merged(metric);
        var at = merged[ThresholdIndex(metric, threshold)];
        var direction = at.Direction;
        var r = side.RetrainValues(metric);
        var u = side.ModelValues(metric);
        var outcome = AttackStrategies.Outcome(r, u, threshold, direction);

        var samples = side.Retrained.Select((v, i) => new AttackSample(v.Img, false, r[i], AttackStrategies.IsSuccess(r[i], false, threshold, direction)))
            .Concat(side.Model.Select((v, i) => new AttackSample(v.Img, true, u[i], AttackStrategies.IsSuccess(u[i], true, threshold, direction))))
            .ToList();

        return new AttackSideView(metric, threshold, at, merged, Bin(samples, metric), outcome,
            [.. samples.Where(s => s.Success)], [.. samples.Where(s => !s.Success)]);
    }

    /// <summary>
    /// Butterfly rows: bins of the threshold step over the metric's range; values outside the range go to the first
    /// or last bin (confidence above 10 lands in the 9.75 bin, as in the original).
    /// </summary>
    public static IReadOnlyList<ButterflyBin> Bin(IEnumerable<AttackSample> samples, AttackMetric metric)
    {
        var (lo, _) = AttackScore.Range(metric);
        double step = AttackScore.Step(metric);
        int count = AttackScore.ThresholdCount - 1;
        var rows = Enumerable.Range(0, count).Select(_ => (R: new List<AttackSample>(), M: new List<AttackSample>())).ToArray();
        foreach (var s in samples)
        {
            // The small epsilon keeps a value that is exactly a bin edge (1.25 = 25 × 0.05) in its own bin despite rounding.
            int i = Math.Clamp((int)Math.Floor((s.Value - lo) / step + 1e-9), 0, count - 1);
            (s.FromModel ? rows[i].M : rows[i].R).Add(s);
        }
        return [.. rows.Select((row, i) => new ButterflyBin(i, lo + i * step,
            [.. row.R.OrderBy(s => s.Value)], [.. row.M.OrderBy(s => s.Value)]))];
    }
}
