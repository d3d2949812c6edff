using Unlearning.Core.Evaluation;

namespace Unlearning.Web.Components.Contrast;

/// <summary>Which reference model the CKA values compare against ("Compare Against" tabs).</summary>
public enum CkaReference { Original, Retrained }

/// <summary>One line of the layer-wise similarity chart.</summary>
/// <param name="Forget">True for the forget-class line (dashed, ✕ markers), false for the retain line (solid, dots).</param>
public sealed record CkaLine(string Name, bool IsModelB, bool Forget, double[] Values);

/// <summary>
/// Layer-wise similarity (docs/views.md, "Layer similarity"): per model the diagonal (same-layer CKA) of the <c>other_classes</c>
/// (retain) and <c>forget_class</c> matrices of the chosen split, against the Original (<c>cka</c>) or the
/// Retrained model (<c>cka_retrain</c>, falling back to <c>cka</c> when it is missing, as the original does).
/// </summary>
/// <param name="FellBack">True when Retrained was asked for but at least one model had no <c>cka_retrain</c>.</param>
public sealed record LayerSimilarityModel(string[] Layers, IReadOnlyList<CkaLine> Lines, bool FellBack)
{
    public static LayerSimilarityModel Build(ExperimentResults a, string labelA, ExperimentResults b, string labelB, CkaReference reference, DataSplit split)
    {
        var (ckaA, fbA) = Pick(a, reference);
        var (ckaB, fbB) = Pick(b, reference);
        var layers = ckaA?.Layers ?? ckaB?.Layers ?? [];
        var lines = new List<CkaLine>();
        var tally = new Views.PlotSanitizer();
        void Add(CkaResult? cka, string label, bool isB)
        {
            if (cka is null) return;
            var s = split == DataSplit.Train ? cka.Train : cka.Test;
            lines.Add(new CkaLine($"Model {(isB ? "B" : "A")} {label} Retain", isB, false, tally.Units(Diagonal(s.OtherClasses))));
            lines.Add(new CkaLine($"Model {(isB ? "B" : "A")} {label} Forget", isB, true, tally.Units(Diagonal(s.ForgetClass))));
        }
        Add(ckaA, labelA, false);
        Add(ckaB, labelB, true);
        // Legend order of the original: A Retain, B Retain, A Forget, B Forget.
        var ordered = lines.OrderBy(l => l.Forget).ThenBy(l => l.IsModelB).ToList();
        return new LayerSimilarityModel(layers, ordered, fbA || fbB) { Note = tally.Note };
    }

    /// <summary>The CKA result for the reference, and whether it fell back from cka_retrain to cka.</summary>
    /// <summary>Says how many stored CKA values were outside [0, 1] and clipped; null when none.</summary>
    public string? Note { get; init; }

    public static (CkaResult? Cka, bool FellBack) Pick(ExperimentResults r, CkaReference reference) =>
        reference == CkaReference.Retrained && r.CkaRetrain is not null ? (r.CkaRetrain, false)
        : reference == CkaReference.Retrained ? (r.Cka, true)
        : (r.Cka, false);

    /// <summary>Same-layer similarity: m[i][i] for i &lt; min(rows, cols).</summary>
    public static double[] Diagonal(double[][] m)
    {
        int n = m.Length == 0 ? 0 : Math.Min(m.Length, m.Min(row => row.Length));
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = m[i][i];
        return d;
    }
}
