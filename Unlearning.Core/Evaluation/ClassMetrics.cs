namespace Unlearning.Core.Evaluation;

/// <summary>
/// Per-class accuracy, label distribution and confidence distribution (docs/metrics.md, "Per-class accuracy and distributions"), accumulated
/// batch by batch from true labels, predictions and softmax (T = 1) probabilities.
/// <list type="bullet">
/// <item><c>acc[i] = correct_i / total_i</c></item>
/// <item><c>label_dist[i][j]</c> = fraction of class-i samples predicted as j</item>
/// <item><c>conf_dist[i][j]</c> = mean over class-i samples of the probability of class j</item>
/// </list>
/// </summary>
public sealed class ClassMetricsAccumulator(int numClasses)
{
    private readonly long[] _total = new long[numClasses];
    private readonly long[,] _predCounts = new long[numClasses, numClasses];
    private readonly double[,] _probSums = new double[numClasses, numClasses];

    public int NumClasses { get; } = numClasses;

    /// <param name="labels">true classes of the batch</param>
    /// <param name="predictions">argmax predictions</param>
    /// <param name="probabilities">row-major N×K softmax probabilities</param>
    public void Add(ReadOnlySpan<long> labels, ReadOnlySpan<long> predictions, ReadOnlySpan<float> probabilities)
    {
        int k = NumClasses;
        for (int n = 0; n < labels.Length; n++)
        {
            int y = (int)labels[n];
            _total[y]++;
            _predCounts[y, (int)predictions[n]]++;
            for (int j = 0; j < k; j++) _probSums[y, j] += probabilities[n * k + j];
        }
    }

    /// <summary>Samples seen.</summary>
    public long Count => _total.Sum();

    /// <summary>Samples predicted correctly.</summary>
    public long Correct => Enumerable.Range(0, NumClasses).Sum(i => _predCounts[i, i]);

    public double[] Accuracy() => [.. Enumerable.Range(0, NumClasses).Select(i => _total[i] == 0 ? 0 : (double)_predCounts[i, i] / _total[i])];

    public double[][] LabelDistribution() => Rows((i, j) => _total[i] == 0 ? 0 : (double)_predCounts[i, j] / _total[i]);

    public double[][] ConfidenceDistribution() => Rows((i, j) => _total[i] == 0 ? 0 : _probSums[i, j] / _total[i]);

    private double[][] Rows(Func<int, int, double> cell) =>
        [.. Enumerable.Range(0, NumClasses).Select(i => Enumerable.Range(0, NumClasses).Select(j => cell(i, j)).ToArray())];
}

/// <summary>The table's accuracy metrics (docs/metrics.md, "UA, RA, TUA, TRA").</summary>
public static class UnlearningAccuracy
{
    /// <summary>UA = train accuracy of the forget class (lower = more forgetting; not 1 − accuracy).</summary>
    public static double UA(double[] accs, int forgetClass) => accs[forgetClass];

    /// <summary>RA = macro mean of train accuracy over the classes other than the forget class (divides by K − 1, not sample-weighted).</summary>
    public static double RA(double[] accs, int forgetClass) => MeanExcept(accs, forgetClass);

    /// <summary>TUA = test accuracy of the forget class.</summary>
    public static double TUA(double[] tAccs, int forgetClass) => tAccs[forgetClass];

    /// <summary>TRA = macro mean of test accuracy over the other classes.</summary>
    public static double TRA(double[] tAccs, int forgetClass) => MeanExcept(tAccs, forgetClass);

    /// <summary>
    /// A sample forget set's metrics (docs/forget-sets.md, "Metrics per kind"): UA = accuracy on the forget samples, RA = accuracy on
    /// the remaining train samples (sample-weighted), TRA = accuracy on the whole test set (there is no TUA).
    /// </summary>
    public static (double UA, double RA, double TRA) ForSampleSet(long forgetCorrect, long forgetCount, long trainCorrect, long trainCount,
        long testCorrect, long testCount) =>
        ((double)forgetCorrect / forgetCount, (double)(trainCorrect - forgetCorrect) / (trainCount - forgetCount), (double)testCorrect / testCount);

    /// <summary>Mean of all entries except index <paramref name="except"/>; with except = −1 (no forget class) the plain mean.</summary>
    public static double MeanExcept(double[] values, int except)
    {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < values.Length; i++)
            if (i != except) { sum += values[i]; n++; }
        return n == 0 ? double.NaN : sum / n;
    }
}
