namespace Unlearning.Core.Evaluation.Privacy;

/// <summary>
/// A linear support-vector machine on one feature with a bias (docs/metrics.md, "C-MIA and E-MIA"): the decision value is
/// f(x) = w·x + b and x is predicted a member when f(x) &gt; 0. Fitted by minimising the soft-margin (hinge-loss) primal
/// <code>J(w, b) = ½·w² + C·Σᵢ max(0, 1 − yᵢ·(w·xᵢ + b)),  yᵢ ∈ {−1, +1}</code>
/// with the bias not regularised. The solver is deterministic and needs no seed or learning rate: for a fixed w the best b
/// is found exactly (the hinge sum is convex and piecewise linear in b, so a minimiser lies at a breakpoint; of a flat
/// interval of minimisers the midpoint is taken), and g(w) = min_b J(w, b) is strictly convex (the ½·w² term), so a
/// golden-section search finds its unique minimiser in |w| ≤ √(2·C·n) + 1 (since ½·w*² ≤ J(0, 0) = C·n).
/// </summary>
public sealed record LinearSvm(double Weight, double Bias)
{
    /// <summary>C of the original's shadow-model classifier (docs/metrics.md, "C-MIA and E-MIA").</summary>
    public const double DefaultC = 3;

    private const int SearchIterations = 120;

    /// <summary>The decision value w·x + b.</summary>
    public double Decision(double x) => Weight * x + Bias;

    /// <summary>True when <paramref name="x"/> is predicted a member (label +1): the decision value is &gt; 0 (a tie is "non-member").</summary>
    public bool IsMember(double x) => Decision(x) > 0;

    /// <summary>The objective J(w, b) of a candidate on labelled data (see the type's summary); exposed for tests and diagnostics.</summary>
    public static double Objective(double weight, double bias, IReadOnlyList<double> x, IReadOnlyList<bool> member, double c)
    {
        double sum = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double y = member[i] ? 1 : -1;
            sum += Math.Max(0, 1 - y * (weight * x[i] + bias));
        }
        return 0.5 * weight * weight + c * sum;
    }

    /// <summary>Fits the SVM to features <paramref name="x"/> with labels <paramref name="member"/> (true = +1).</summary>
    /// <exception cref="ArgumentException">Lengths differ, a feature is not finite, C is not positive, or only one class is present.</exception>
    public static LinearSvm Fit(IReadOnlyList<double> x, IReadOnlyList<bool> member, double c = DefaultC)
    {
        if (x.Count != member.Count) throw new ArgumentException($"{x.Count} features but {member.Count} labels.");
        if (!(c > 0) || !double.IsFinite(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "C must be a positive number.");
        for (int i = 0; i < x.Count; i++)
            if (!double.IsFinite(x[i])) throw new ArgumentException($"Feature {i} is {x[i]}; features must be finite numbers.");
        int positives = member.Count(m => m);
        if (positives == 0 || positives == member.Count)
            throw new ArgumentException("A linear SVM needs samples of both classes (members and non-members).");

        var pos = new List<double>(positives);
        var neg = new List<double>(member.Count - positives);
        for (int i = 0; i < x.Count; i++) (member[i] ? pos : neg).Add(x[i]);
        var fit = new BiasSolver([.. pos], [.. neg]);

        double bound = Math.Sqrt(2 * c * x.Count) + 1;
        double lo = -bound, hi = bound;
        double invPhi = (Math.Sqrt(5) - 1) / 2;
        double a = hi - invPhi * (hi - lo), bw = lo + invPhi * (hi - lo);
        double ga = Total(a), gb = Total(bw);
        for (int it = 0; it < SearchIterations && hi - lo > 1e-12 * Math.Max(1, Math.Abs(lo) + Math.Abs(hi)); it++)
        {
            if (ga <= gb) { hi = bw; bw = a; gb = ga; a = hi - invPhi * (hi - lo); ga = Total(a); }
            else { lo = a; a = bw; ga = gb; bw = lo + invPhi * (hi - lo); gb = Total(bw); }
        }
        double w = (lo + hi) / 2;
        return new LinearSvm(w, fit.BestBias(w).Bias);

        double Total(double weight) => 0.5 * weight * weight + c * fit.BestBias(weight).Hinge;
    }

    /// <summary>
    /// For a fixed w, h(b) = Σ_pos max(0, pᵢ − b) + Σ_neg max(0, b − qⱼ) with pᵢ = 1 − w·xᵢ and qⱼ = −1 − w·xⱼ, from sorted
    /// breakpoints and prefix sums; the minimum over b is at a breakpoint.
    /// </summary>
    private sealed class BiasSolver(double[] pos, double[] neg)
    {
        private readonly double[] _p = new double[pos.Length];
        private readonly double[] _q = new double[neg.Length];
        private readonly double[] _pSuffix = new double[pos.Length + 1];
        private readonly double[] _qPrefix = new double[neg.Length + 1];

        public (double Bias, double Hinge) BestBias(double w)
        {
            for (int i = 0; i < pos.Length; i++) _p[i] = 1 - w * pos[i];
            for (int j = 0; j < neg.Length; j++) _q[j] = -1 - w * neg[j];
            Array.Sort(_p);
            Array.Sort(_q);
            _pSuffix[_p.Length] = 0;
            for (int i = _p.Length - 1; i >= 0; i--) _pSuffix[i] = _pSuffix[i + 1] + _p[i];
            _qPrefix[0] = 0;
            for (int j = 0; j < _q.Length; j++) _qPrefix[j + 1] = _qPrefix[j] + _q[j];

            bool any = false;
            double best = 0, bestLo = 0, bestHi = 0;
            void Try(double b)
            {
                double h = H(b);
                double tolerance = 1e-12 * Math.Max(1, Math.Abs(best));
                if (!any || h < best - tolerance) { any = true; best = h; bestLo = bestHi = b; }
                else if (h <= best + tolerance) { bestLo = Math.Min(bestLo, b); bestHi = Math.Max(bestHi, b); }
            }
            foreach (var b in _p) Try(b);
            foreach (var b in _q) Try(b);
            double mid = (bestLo + bestHi) / 2;
            return (mid, H(mid));
        }

        private double H(double b)
        {
            // Positives with p > b contribute p − b; negatives with q < b contribute b − q.
            int i = UpperBound(_p, b);
            int j = LowerBound(_q, b);
            return (_pSuffix[i] - (_p.Length - i) * b) + (j * b - _qPrefix[j]);
        }

        /// <summary>First index with a[k] &gt; v.</summary>
        private static int UpperBound(double[] a, double v)
        {
            int lo = 0, hi = a.Length;
            while (lo < hi) { int m = (lo + hi) >> 1; if (a[m] <= v) lo = m + 1; else hi = m; }
            return lo;
        }

        /// <summary>First index with a[k] ≥ v.</summary>
        private static int LowerBound(double[] a, double v)
        {
            int lo = 0, hi = a.Length;
            while (lo < hi) { int m = (lo + hi) >> 1; if (a[m] < v) lo = m + 1; else hi = m; }
            return lo;
        }
    }
}
