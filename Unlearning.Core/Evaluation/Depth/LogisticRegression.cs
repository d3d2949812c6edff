using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation.Depth;

/// <summary>
/// A fitted multinomial logistic regression on standardised features (docs/metrics.md, "Depth of forgetting"):
/// z = (x − <see cref="Mean"/>) / <see cref="Scale"/>, P(k | x) = softmax(W z + b)ₖ.
/// </summary>
/// <param name="Mean">Per-feature mean of the training features.</param>
/// <param name="Scale">Per-feature standard deviation of the training features (1 where it is 0, so a constant feature stays 0).</param>
/// <param name="Weights">K × D weights on the standardised features.</param>
/// <param name="Bias">K intercepts (not penalised).</param>
/// <param name="Iterations">Solver iterations used.</param>
/// <param name="GradientNorm">Largest absolute entry of the objective's gradient at the solution (how close to the optimum).</param>
public sealed record LogisticModel(double[] Mean, double[] Scale, double[][] Weights, double[] Bias, int Iterations, double GradientNorm)
{
    public int Classes => Bias.Length;

    /// <summary>Class probabilities of each row of <paramref name="features"/> (N × K).</summary>
    public double[][] Probabilities(double[][] features)
    {
        var result = new double[features.Length][];
        for (int i = 0; i < features.Length; i++)
        {
            var x = features[i];
            if (x.Length != Mean.Length) throw new ArgumentException($"Row {i} has {x.Length} features; the model was fitted on {Mean.Length}.");
            var logits = new double[Classes];
            for (int k = 0; k < Classes; k++)
            {
                double s = Bias[k];
                for (int d = 0; d < x.Length; d++) s += Weights[k][d] * (x[d] - Mean[d]) / Scale[d];
                logits[k] = s;
            }
            double max = logits.Max(), sum = 0;
            for (int k = 0; k < Classes; k++) sum += logits[k] = Math.Exp(logits[k] - max);
            for (int k = 0; k < Classes; k++) logits[k] /= sum;
            result[i] = logits;
        }
        return result;
    }

    /// <summary>The most probable class of each row (the lower class on a tie).</summary>
    public int[] Predict(double[][] features) =>
        [.. Probabilities(features).Select(p => Array.IndexOf(p, p.Max()))];
}

/// <summary>
/// Multinomial logistic regression with an L2 penalty, fitted full-batch in float64 by a deterministic solver: the
/// same data give the same model on every run (no random initialisation, no sampling).
/// <para>
/// Objective (weights W, K × D; intercepts b; standardised features zᵢ; labels yᵢ):
/// J(W, b) = (1/n) Σᵢ −ln softmax(W zᵢ + b)_{yᵢ} + (λ/2)‖W‖²_F.
/// Solver: Nesterov's accelerated gradient with step 1/L and adaptive restart (O'Donoghue &amp; Candès 2015), where
/// L = ½·λ_max(Z̃ᵀZ̃/n) + λ bounds the gradient's Lipschitz constant (Z̃ = [Z, 1]; the Hessian of log-sum-exp is at
/// most ½·I, Böhning 1992). It stops when every gradient entry is below the tolerance or after the iteration cap.
/// Two classes are fitted as a softmax over two logits, which is the binary logistic regression with weight
/// w₁ − w₀ and penalty λ/4·(w₁ − w₀)² at the optimum (where w₀ = −w₁).
/// </para>
/// </summary>
public static class LogisticRegression
{
    /// <summary>Fits the model. <paramref name="labels"/> are in 0..<paramref name="classes"/> − 1.</summary>
    /// <param name="l2">λ ≥ 0; 0 is allowed where the data are not separable (the optimum then exists without it).</param>
    public static LogisticModel Fit(double[][] features, int[] labels, int classes, double l2, int maxIterations = 5000,
        double tolerance = 1e-7, CancellationToken cancellation = default)
    {
        int n = features.Length;
        if (n == 0) throw new ArgumentException("The probe needs at least one training sample.", nameof(features));
        if (labels.Length != n) throw new ArgumentException($"{n} feature rows but {labels.Length} labels.", nameof(labels));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A probe needs at least two classes.");
        if (!(l2 >= 0) || double.IsInfinity(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "The L2 penalty must be a finite number ≥ 0.");
        int dim = features[0].Length;
        if (dim == 0 || features.Any(r => r.Length != dim)) throw new ArgumentException("Every feature row must have the same, non-zero length.", nameof(features));
        if (features.Any(r => r.Any(v => !double.IsFinite(v)))) throw new ArgumentException("The features contain NaN or infinite values.", nameof(features));
        if (labels.Any(y => y < 0 || y >= classes)) throw new ArgumentException($"Labels must be in 0..{classes - 1}.", nameof(labels));

        var (mean, scale) = Standardisation(features);
        using var scope = NewDisposeScope();
        var flat = new double[n * (dim + 1)];
        for (int i = 0; i < n; i++)
        {
            for (int d = 0; d < dim; d++) flat[i * (dim + 1) + d] = (features[i][d] - mean[d]) / scale[d];
            flat[i * (dim + 1) + dim] = 1;   // the intercept's column
        }
        var z = tensor(flat, [n, dim + 1], ScalarType.Float64);
        var y = nn.functional.one_hot(tensor(labels.Select(l => (long)l).ToArray()), classes).to(ScalarType.Float64);
        // The penalty's mask: every weight row, not the intercept row.
        var penalty = ones(dim + 1, classes, ScalarType.Float64);
        penalty[dim] = zeros(classes, ScalarType.Float64);
        penalty = penalty * l2;

        double lipschitz = 0.5 * linalg.eigvalsh(z.t().mm(z) / n).max().item<double>() + l2;
        double step = 1 / lipschitz;

        Tensor Gradient(Tensor theta) => z.t().mm(softmax(z.mm(theta), 1) - y) / n + penalty * theta;
        double Objective(Tensor theta) =>
            -(nn.functional.log_softmax(z.mm(theta), 1) * y).sum().item<double>() / n + 0.5 * (penalty * theta * theta).sum().item<double>();

        var theta = zeros(dim + 1, classes, ScalarType.Float64);
        var previous = theta.clone();
        double momentumT = 1, objective = Objective(theta), gradientNorm = double.PositiveInfinity;
        int iteration = 0;
        while (iteration < maxIterations)
        {
            cancellation.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            double nextT = (1 + Math.Sqrt(1 + 4 * momentumT * momentumT)) / 2;
            var lookahead = theta + (theta - previous) * ((momentumT - 1) / nextT);
            var next = lookahead - Gradient(lookahead) * step;
            double nextObjective = Objective(next);
            iteration++;
            if (nextObjective > objective)
            {
                // Adaptive restart: the momentum overshot; take a plain gradient step from theta instead.
                next = theta - Gradient(theta) * step;
                nextObjective = Objective(next);
                nextT = 1;
            }
            previous.Dispose();
            previous = theta;
            theta = next.MoveToOuterDisposeScope();
            momentumT = nextT;
            objective = nextObjective;
            if (iteration % 10 == 0 || iteration == maxIterations)
            {
                gradientNorm = Gradient(theta).abs().max().item<double>();
                if (gradientNorm < tolerance) break;
            }
        }
        if (double.IsPositiveInfinity(gradientNorm)) gradientNorm = Gradient(theta).abs().max().item<double>();
        var t = theta.contiguous().data<double>().ToArray();
        var weights = new double[classes][];
        var bias = new double[classes];
        for (int k = 0; k < classes; k++)
        {
            weights[k] = new double[dim];
            for (int d = 0; d < dim; d++) weights[k][d] = t[d * classes + k];
            bias[k] = t[dim * classes + k];
        }
        return new LogisticModel(mean, scale, weights, bias, iteration, gradientNorm);
    }

    /// <summary>Per-feature mean and (population) standard deviation; a constant feature gets scale 1.</summary>
    public static (double[] Mean, double[] Scale) Standardisation(double[][] features)
    {
        int n = features.Length, dim = features[0].Length;
        var mean = new double[dim];
        var scale = new double[dim];
        for (int d = 0; d < dim; d++)
        {
            double m = 0;
            for (int i = 0; i < n; i++) m += features[i][d];
            m /= n;
            double v = 0;
            for (int i = 0; i < n; i++) v += (features[i][d] - m) * (features[i][d] - m);
            double sd = Math.Sqrt(v / n);
            mean[d] = m;
            scale[d] = sd > 1e-12 ? sd : 1;
        }
        return (mean, scale);
    }

    /// <summary>Fraction of <paramref name="predicted"/> equal to <paramref name="truth"/>.</summary>
    public static double Accuracy(IReadOnlyList<int> predicted, IReadOnlyList<int> truth)
    {
        if (predicted.Count != truth.Count || truth.Count == 0) throw new ArgumentException("Predictions and labels must be non-empty and of the same length.");
        int correct = 0;
        for (int i = 0; i < truth.Count; i++) if (predicted[i] == truth[i]) correct++;
        return (double)correct / truth.Count;
    }

    /// <summary>Chance level of a held-out set: the accuracy of always predicting its most frequent label.</summary>
    public static double Chance(IReadOnlyList<int> truth)
    {
        if (truth.Count == 0) throw new ArgumentException("The held-out set is empty.");
        return truth.GroupBy(l => l).Max(g => g.Count()) / (double)truth.Count;
    }
}
