using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation.Privacy;

/// <summary>
/// Per-sample membership-inference signals of a model's logits (docs/metrics.md, "MIA signals"). Everything is computed in
/// float64 through log-softmax, so large logits neither overflow nor round p_max to exactly 1.
/// </summary>
public static class MiaSignals
{
    /// <summary>Temperature of the entropy signal (T₁ = 2).</summary>
    public const double EntropyTemperature = 2.0;

    /// <summary>Temperature of the confidence signal (T₂ = 1).</summary>
    public const double ConfidenceTemperature = 1.0;

    /// <summary>The original's guard added inside each logarithm of the confidence.</summary>
    public const double LogGuard = 1e-45;

    private static readonly double LogOfGuard = Math.Log(LogGuard);

    /// <summary>
    /// Output entropy e = −Σₖ pₖ ln pₖ with p = softmax(z / T) (natural log; range [0, ln K]).
    /// </summary>
    public static double Entropy(ReadOnlySpan<double> logits, double temperature = EntropyTemperature)
    {
        CheckRow(logits.Length, temperature);
        double max = double.NegativeInfinity;
        foreach (var z in logits) max = Math.Max(max, z / temperature);
        double sum = 0;
        foreach (var z in logits) sum += Math.Exp(z / temperature - max);
        double lse = max + Math.Log(sum);
        double entropy = 0;
        foreach (var z in logits)
        {
            double logP = z / temperature - lse;
            double p = Math.Exp(logP);
            if (p > 0) entropy -= p * logP;
        }
        return Math.Max(0, entropy);
    }

    /// <inheritdoc cref="Entropy(ReadOnlySpan{double}, double)"/>
    public static double Entropy(float[] logits, double temperature = EntropyTemperature) =>
        Entropy(ToDouble(logits), temperature);

    /// <inheritdoc cref="Entropy(ReadOnlySpan{double}, double)"/>
    public static double Entropy(double[] logits, double temperature = EntropyTemperature) =>
        Entropy(logits.AsSpan(), temperature);

    /// <summary>
    /// Top-1 confidence c = ln(p_max + 1e-45) − ln(1 − p_max + 1e-45) with p = softmax(z / T), i.e. the logit of
    /// the top-1 probability. Computed as logaddexp(ln p_max, ln 1e-45) − logaddexp(ln(1 − p_max), ln 1e-45) with
    /// ln(1 − p_max) = logsumexp over the other classes − logsumexp over all, so it stays exact where p_max
    /// rounds to 1 (the original's float32 code saturates near ±103 there).
    /// </summary>
    public static double Confidence(ReadOnlySpan<double> logits, double temperature = ConfidenceTemperature)
    {
        CheckRow(logits.Length, temperature);
        int top = 0;
        for (int k = 1; k < logits.Length; k++)
            if (logits[k] > logits[top]) top = k;
        double max = logits[top] / temperature;
        double sumAll = 0, sumRest = 0;
        for (int k = 0; k < logits.Length; k++)
        {
            double e = Math.Exp(logits[k] / temperature - max);
            sumAll += e;
            if (k != top) sumRest += e;
        }
        double logSumAll = Math.Log(sumAll);
        double logPMax = -logSumAll;
        double logRest = sumRest > 0 ? Math.Log(sumRest) - logSumAll : double.NegativeInfinity;
        return LogAddExp(logPMax, LogOfGuard) - LogAddExp(logRest, LogOfGuard);
    }

    /// <inheritdoc cref="Confidence(ReadOnlySpan{double}, double)"/>
    public static double Confidence(float[] logits, double temperature = ConfidenceTemperature) =>
        Confidence(ToDouble(logits), temperature);

    /// <inheritdoc cref="Confidence(ReadOnlySpan{double}, double)"/>
    public static double Confidence(double[] logits, double temperature = ConfidenceTemperature) =>
        Confidence(logits.AsSpan(), temperature);

    /// <summary>Entropy of every row of a logits tensor [N, K] (float64), see <see cref="Entropy(ReadOnlySpan{double}, double)"/>.</summary>
    public static double[] Entropy(Tensor logits, double temperature = EntropyTemperature) =>
        PerRow(logits, row => Entropy(row, temperature));

    /// <summary>Confidence of every row of a logits tensor [N, K] (float64), see <see cref="Confidence(ReadOnlySpan{double}, double)"/>.</summary>
    public static double[] Confidence(Tensor logits, double temperature = ConfidenceTemperature) =>
        PerRow(logits, row => Confidence(row, temperature));

    /// <summary>Both signals of every row of a logits tensor [N, K] with the default temperatures.</summary>
    public static (double[] Entropy, double[] Confidence) Compute(Tensor logits)
    {
        var (values, n, k) = ToHost(logits);
        var entropy = new double[n];
        var confidence = new double[n];
        for (int i = 0; i < n; i++)
        {
            var row = values.AsSpan(i * k, k);
            entropy[i] = Entropy(row);
            confidence[i] = Confidence(row);
        }
        return (entropy, confidence);
    }

    private delegate double RowFunction(ReadOnlySpan<double> row);

    private static double[] PerRow(Tensor logits, RowFunction f)
    {
        var (values, n, k) = ToHost(logits);
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = f(values.AsSpan(i * k, k));
        return result;
    }

    private static (double[] Values, int N, int K) ToHost(Tensor logits)
    {
        if (logits.dim() != 2) throw new ArgumentException($"Logits must be [N, K]; got {logits.dim()} dimensions.", nameof(logits));
        using var scope = NewDisposeScope();
        var host = logits.detach().to(ScalarType.Float64).cpu().contiguous();
        return (host.data<double>().ToArray(), (int)logits.shape[0], (int)logits.shape[1]);
    }

    private static double[] ToDouble(float[] logits) => Array.ConvertAll(logits, v => (double)v);

    private static double LogAddExp(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        double max = Math.Max(a, b);
        return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }

    private static void CheckRow(int length, double temperature)
    {
        if (length == 0) throw new ArgumentException("Logits row is empty.");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be positive.");
    }
}
