using Unlearning.Core.Evaluation.Depth;
using Unlearning.Web.Components.Views;

namespace Unlearning.Web.Components.Contrast;

/// <summary>One line of a depth chart: its legend name, colour, dash, x positions (steps or layer indexes) and y values (0..1).</summary>
public sealed record DepthLine(string Name, string Color, bool Dashed, double[] X, double[] Y);

/// <summary>A model's one-line summary under the charts: steps to the Original's UA/2 and the best probe layer.</summary>
/// <param name="FinalRA">Retain accuracy after the attack's last step ("–" when not measured): a low value means the curve shows a collapse, not relearning.</param>
public sealed record DepthSummary(string Name, string Color, string StepsToHalf, string BestProbe, string FinalRA);

/// <summary>
/// The depth-of-forgetting view (docs/metrics.md, "Depth of forgetting"): the relearning curves (UA against step) and the
/// probe profiles (held-out accuracy per CKA layer, with the chance line) of Model A, Model B, the Original (relearning only)
/// and the Retrained model, built from stored results. A model without results is listed in <see cref="Missing"/>; a
/// result that fails validation is treated as missing (a bad stored value never breaks the view).
/// </summary>
public sealed record DepthViewModel(IReadOnlyList<DepthLine> Relearning, double MaxStep, IReadOnlyList<DepthLine> Probes, string[] Layers,
    double? Chance, IReadOnlyList<DepthSummary> Summaries, IReadOnlyList<string> Missing)
{
    public bool HasData => Relearning.Count > 0 || Probes.Count > 0;

    /// <summary>Builds the view from each role's stored results (null = not computed); each entry is (legend name, results).</summary>
    public static DepthViewModel Build((string Name, DepthResults? Results)? a, (string Name, DepthResults? Results)? b,
        DepthResults? original, DepthResults? retrained)
    {
        var roles = new List<(string Name, string Color, bool Dashed, bool Probe, DepthResults? Results)>();
        if (a is { } ra) roles.Add(($"Model A {ra.Name}", ViewColors.ModelA, false, true, Valid(ra.Results)));
        if (b is { } rb) roles.Add(($"Model B {rb.Name}", ViewColors.ModelB, false, true, Valid(rb.Results)));
        roles.Add(("Original", ViewColors.NeutralDark, true, false, Valid(original)));
        roles.Add(("Retrained", ViewColors.Retrained, true, true, Valid(retrained)));
        var relearning = new List<DepthLine>();
        var probes = new List<DepthLine>();
        var summaries = new List<DepthSummary>();
        var missing = new List<string>();
        string[] layers = [];
        double? chance = null;
        foreach (var (name, color, dashed, probe, r) in roles)
        {
            if (r is null) { missing.Add(name); continue; }
            var c = r.Relearning;
            relearning.Add(new DepthLine(name, color, dashed, [.. c.Steps.Select(s => (double)s)], c.UA));
            var p = r.Probes;
            if (probe && (layers.Length == 0 || layers.SequenceEqual(p.Layers)))
            {
                layers = p.Layers;
                chance ??= p.Chance;
                probes.Add(new DepthLine(name, color, dashed, [.. Enumerable.Range(0, p.Layers.Length).Select(i => (double)i)], p.Accuracy));
            }
            int best = Array.IndexOf(p.Accuracy, p.Accuracy.Max());
            summaries.Add(new DepthSummary(name, color,
                c.StepsToHalfReference is { } s ? $"{s} step{(s == 1 ? "" : "s")}" : $"not within {c.Steps[^1]} steps",
                $"{Fmt.N(p.Accuracy[best])} at {p.Layers[best]}", c.RA is { Length: > 0 } retainAccuracy ? Fmt.N(retainAccuracy[^1]) : "–"));
        }
        double maxStep = relearning.Count == 0 ? 1 : Math.Max(1, relearning.Max(l => l.X[^1]));
        return new DepthViewModel(relearning, maxStep, probes, layers, chance, summaries, missing);
    }

    private static DepthResults? Valid(DepthResults? r)
    {
        if (r is null) return null;
        try { return r.Validate(); }
        catch (InvalidDataException) { return null; }
    }
}
