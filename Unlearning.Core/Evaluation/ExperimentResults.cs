namespace Unlearning.Core.Evaluation;

/// <summary>
/// The large per-experiment results document (the result JSON of docs/results-format.md minus the scalars, which live in the database).
/// Full precision is kept here; rounding to the original's 2/3 decimals happens only on export.
/// Class-indexed arrays have K entries (K = number of classes); matrices are K×K, row = true class.
/// </summary>
public sealed class ExperimentResults
{
    /// <summary>Per-class train accuracy (<c>accs</c>).</summary>
    public double[] Accs { get; set; } = [];
    /// <summary>Per-class test accuracy (<c>t_accs</c>).</summary>
    public double[] TAccs { get; set; } = [];
    /// <summary>Row-normalised confusion matrix on train (<c>label_dist</c>).</summary>
    public double[][] LabelDist { get; set; } = [];
    /// <summary>Mean softmax (T = 1) probability per true class on train (<c>conf_dist</c>).</summary>
    public double[][] ConfDist { get; set; } = [];
    public double[][] TLabelDist { get; set; } = [];
    public double[][] TConfDist { get; set; } = [];

    /// <summary>Layer-wise CKA against the Original (<c>cka</c>) and the Retrained model (<c>cka_retrain</c>).</summary>
    public CkaResult? Cka { get; set; }
    public CkaResult? CkaRetrain { get; set; }

    /// <summary>The fixed subset (docs/metrics.md, "Fixed subset (points)"): one entry per sample, class 0's first.</summary>
    public List<SubsetPoint> Points { get; set; } = [];

    /// <summary>Attack data on the forget-class samples of the subset (docs/metrics.md, "MIA signals" and "Attack-score curve").</summary>
    public AttackData? Attack { get; set; }

    /// <summary>
    /// Entropy (T = 2) and confidence (T = 1) of every forget-class train sample, in ascending index order:
    /// the matched sets of the table's privacy score (docs/metrics.md, "Privacy score").
    /// </summary>
    public double[] ForgetEntropy { get; set; } = [];
    public double[] ForgetConfidence { get; set; } = [];
    /// <summary>
    /// MIA against the test set (docs/metrics.md): AUC of the top-1 confidence telling the forget samples from the
    /// test samples (of the forget class for a class set, all of them for a sample set); null in older documents.
    /// </summary>
    public double? ForgetTestMia { get; set; }
    /// <summary>ROC AUC of top-1 confidence, retain train samples vs test samples outside the forget set (docs/metrics.md, "Privacy of retained data").</summary>
    public double? RetainTestMia { get; set; }

    /// <summary>Per-epoch metrics of a run with "Track per-epoch metrics" on (docs/metrics.md, "Per-epoch metrics"); null otherwise.</summary>
    public EpochMetrics? EpochMetrics { get; set; }

    /// <summary>Seconds spent in each evaluation stage.</summary>
    public Dictionary<string, double> StageSeconds { get; set; } = [];

    /// <summary>Dimension of the penultimate features (stored beside the document in features.bin).</summary>
    public int FeatureDim { get; set; }
}

/// <summary>CKA matrices (layer × layer, row = reference model's layer, column = evaluated model's layer).</summary>
public sealed class CkaResult
{
    public string[] Layers { get; set; } = [];
    public CkaSplit Train { get; set; } = new();
    public CkaSplit Test { get; set; } = new();
}

public sealed class CkaSplit
{
    public double[][] ForgetClass { get; set; } = [];
    public double[][] OtherClasses { get; set; } = [];
}

/// <summary>One subset sample: true class, prediction, dataset index, forget flag, 2-D position, T = 2 probabilities.</summary>
public sealed class SubsetPoint
{
    public int Gt { get; set; }
    public int Pred { get; set; }
    public int Img { get; set; }
    public bool IsForget { get; set; }
    public double X { get; set; }
    public double Y { get; set; }
    public double[] Probs { get; set; } = [];
}

/// <summary>The subset attack of one model: its forget-class values and its four curves against the Retrained model.</summary>
public sealed class AttackData
{
    /// <summary>The stored keys of the four curves, in the original's storage order (also the export's keys).</summary>
    public const string EntropyAboveUnlearn = "entropy_above_unlearn", EntropyAboveRetrain = "entropy_above_retrain",
        ConfidenceAboveRetrain = "confidence_above_retrain", ConfidenceAboveUnlearn = "confidence_above_unlearn";

    /// <summary>The four curve keys in storage order.</summary>
    public static IReadOnlyList<string> CurveKeys { get; } = [EntropyAboveUnlearn, EntropyAboveRetrain, ConfidenceAboveRetrain, ConfidenceAboveUnlearn];

    public List<AttackValue> Values { get; set; } = [];
    /// <summary>Curves keyed <see cref="CurveKeys"/> (the stored JSON shape; typed access through <see cref="Curves"/>).</summary>
    public Dictionary<string, List<AttackCurvePoint>> Results { get; set; } = [];

    /// <summary>The stored four curves as <see cref="Privacy.AttackCurves"/>; null when one of them is missing.</summary>
    public Privacy.AttackCurves? Curves()
    {
        Privacy.AttackPoint[]? Get(string key) => Results.TryGetValue(key, out var list)
            ? [.. list.Select(p => new Privacy.AttackPoint(p.Threshold, p.Fpr, p.Fnr, p.AttackScore))]
            : null;
        var eu = Get(EntropyAboveUnlearn);
        var er = Get(EntropyAboveRetrain);
        var cr = Get(ConfidenceAboveRetrain);
        var cu = Get(ConfidenceAboveUnlearn);
        return eu is null || er is null || cr is null || cu is null ? null : new Privacy.AttackCurves(eu, er, cr, cu);
    }

    /// <summary>The four curves in their stored shape, keyed <see cref="CurveKeys"/>.</summary>
    public static Dictionary<string, List<AttackCurvePoint>> ToStored(Privacy.AttackCurves curves) => new()
    {
        [EntropyAboveUnlearn] = Convert(curves.EntropyAboveUnlearn),
        [EntropyAboveRetrain] = Convert(curves.EntropyAboveRetrain),
        [ConfidenceAboveRetrain] = Convert(curves.ConfidenceAboveRetrain),
        [ConfidenceAboveUnlearn] = Convert(curves.ConfidenceAboveUnlearn),
    };

    private static List<AttackCurvePoint> Convert(Privacy.AttackPoint[] points) =>
        [.. points.Select(p => new AttackCurvePoint(p.Threshold, p.Fpr, p.Fnr, p.AttackScore))];
}

public sealed record AttackValue(int Img, double Entropy, double Confidence);

public sealed record AttackCurvePoint(double Threshold, double Fpr, double Fnr, double AttackScore);
