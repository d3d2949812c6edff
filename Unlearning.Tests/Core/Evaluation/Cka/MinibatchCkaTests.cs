using Unlearning.Core.Evaluation.Cka;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Evaluation.Cka;

[Collection("Torch")]
public class MinibatchCkaTests
{
    private static Tensor Random(long n, long d, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return randn(n, d, dtype: ScalarType.Float64, generator: generator);
    }

    /// <summary>Unbiased HSIC written out element by element, independently of the tensor code.</summary>
    private static double NaiveHsic1(double[,] k, double[,] l)
    {
        int n = k.GetLength(0);
        double trace = 0, sumK = 0, sumL = 0, cross = 0;
        var rowK = new double[n];
        var rowL = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                trace += k[i, j] * l[j, i];
                sumK += k[i, j];
                sumL += l[i, j];
                rowK[i] += k[i, j];
                rowL[j] += l[j, i];
            }
        // 1ᵀK̃L̃1 = Σ_j (Σ_i K̃ij)(Σ_m L̃jm)
        for (int j = 0; j < n; j++)
        {
            double colK = 0, rowLj = 0;
            for (int i = 0; i < n; i++) if (i != j) colK += k[i, j];
            for (int m = 0; m < n; m++) if (m != j) rowLj += l[j, m];
            cross += colK * rowLj;
        }
        return (trace + sumK * sumL / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * cross) / (n * (n - 3.0));
    }

    private static double[,] ToArray(Tensor t)
    {
        int n = (int)t.shape[0], m = (int)t.shape[1];
        var values = t.to(ScalarType.Float64).data<double>().ToArray();
        var a = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) a[i, j] = values[i * m + j];
        return a;
    }

    [Fact]
    public void Hsic1_matches_a_naive_double_loop()
    {
        using var scope = NewDisposeScope();
        var x = Random(12, 5, 1);
        var y = x * 0.5 + Random(12, 7, 2).narrow(1, 0, 5);
        var k = x.matmul(x.t());
        var l = y.matmul(y.t());
        Assert.Equal(NaiveHsic1(ToArray(k), ToArray(l)), MinibatchCka.Hsic1(k, l), 10);
        Assert.Equal(NaiveHsic1(ToArray(k), ToArray(k)), MinibatchCka.Hsic1(k, k), 10);
    }

    [Fact]
    public void Cka_of_a_representation_with_itself_is_one()
    {
        using var scope = NewDisposeScope();
        var x = Random(50, 20, 3);
        Assert.Equal(1.0, MinibatchCka.Linear(x, x), 10);
        Assert.Equal(1.0, MinibatchCka.Linear(x.to(ScalarType.Float32), x.to(ScalarType.Float32)), 6);
    }

    [Fact]
    public void Cka_is_invariant_to_orthogonal_transforms_and_isotropic_scaling()
    {
        using var scope = NewDisposeScope();
        var x = Random(80, 16, 4);
        var z = x.matmul(Random(16, 10, 5)) + Random(80, 10, 6);
        var (q, _) = linalg.qr(Random(16, 16, 7));
        var transformed = 3.5 * x.matmul(q);
        Assert.Equal(1.0, MinibatchCka.Linear(x, transformed), 9);
        double reference = MinibatchCka.Linear(x, z);
        Assert.InRange(reference, 0.05, 0.99);
        Assert.Equal(reference, MinibatchCka.Linear(transformed, z), 9);
    }

    [Fact]
    public void Unbiased_cka_of_independent_data_is_near_zero()
    {
        using var scope = NewDisposeScope();
        double cka = MinibatchCka.Linear(Random(300, 64, 8), Random(300, 64, 9));
        Assert.InRange(cka, 0.0, 0.05);
    }

    [Fact]
    public void Minibatch_result_accumulates_hsic_sums_over_batches_for_all_layer_pairs()
    {
        using var scope = NewDisposeScope();
        var cka = new MinibatchCka(2, 3);
        double kl = 0, kk = 0, ll = 0;
        for (int b = 0; b < 3; b++)
        {
            var a0 = Random(20, 6, 10 + b);
            var a1 = Random(20, 3, 20 + b).reshape(20, 3, 1); // non-flat activations are flattened
            var b0 = a0.clone();
            var b1 = a0.matmul(Random(6, 4, 30 + b)) + Random(20, 4, 40 + b);
            var b2 = Random(20, 5, 50 + b);
            cka.Add([a0, a1], [b0, b1, b2]);
            var k = a0.matmul(a0.t());
            var l = b1.matmul(b1.t());
            kl += MinibatchCka.Hsic1(k, l);
            kk += MinibatchCka.Hsic1(k, k);
            ll += MinibatchCka.Hsic1(l, l);
        }
        var result = cka.Result();
        Assert.Equal(3, cka.Batches);
        Assert.Equal((2, 3), (result.GetLength(0), result.GetLength(1)));
        Assert.Equal(1.0, result[0, 0], 10);
        Assert.Equal(Math.Clamp(kl / Math.Sqrt(kk * ll), 0, 1), result[0, 1], 10);
        foreach (var v in result) Assert.InRange(v, 0.0, 1.0);
    }

    [Fact]
    public void U_centred_inner_product_is_the_unbiased_hsic_of_the_docs_formula()
    {
        using var scope = NewDisposeScope();
        var x = Random(15, 4, 11);
        var y = x.narrow(1, 0, 3) * 2 + Random(15, 3, 12);
        var k = x.matmul(x.t());
        var l = y.matmul(y.t());
        var (uk, ul) = (MinibatchCka.UCentre(k), MinibatchCka.UCentre(l));
        double n = 15;
        Assert.Equal(NaiveHsic1(ToArray(k), ToArray(l)), (uk * ul).sum().item<double>() / (n * (n - 3)), 10);
        Assert.Equal(NaiveHsic1(ToArray(k), ToArray(k)), (uk * uk).sum().item<double>() / (n * (n - 3)), 10);
        // U-centred: zero diagonal and zero row sums (the property that makes the row-sum terms vanish).
        Assert.Equal(0.0, uk.diagonal().abs().sum().item<double>(), 12);
        Assert.True(uk.sum(1).abs().max().item<double>() < 1e-9);
    }

    [Fact]
    public void U_centring_by_hand_on_a_four_by_four_matrix()
    {
        // K̃ = [[0,1,2,3],[1,0,4,5],[2,4,0,6],[3,5,6,0]]: row sums 6, 10, 12, 14; S = 42; n − 2 = 2; (n − 1)(n − 2) = 6.
        // Ũ₀₁ = 1 − (6 + 10)/2 + 42/6 = 1 − 8 + 7 = 0; Ũ₀₂ = 2 − 9 + 7 = 0; Ũ₀₃ = 3 − 10 + 7 = 0; Ũ₁₂ = 4 − 11 + 7 = 0;
        // Ũ₁₃ = 5 − 12 + 7 = 0; Ũ₂₃ = 6 − 13 + 7 = 0 (an additive matrix aᵢ + aⱼ centres to zero). Adding 9 on (0, 1) and (1, 0):
        // row sums 15, 19, 12, 14, S = 60, Ũ₀₁ = 10 − 17 + 10 = 3, Ũ₂₃ = 6 − 13 + 10 = 3, Ũ₀₂ = 2 − 13.5 + 10 = −1.5.
        using var scope = NewDisposeScope();
        var k = tensor(new double[] { 5, 10, 2, 3, 10, 7, 4, 5, 2, 4, 8, 6, 3, 5, 6, 9 }, [4, 4]); // the diagonal is ignored
        var u = MinibatchCka.UCentre(k);
        var a = ToArray(u);
        Assert.Equal(3.0, a[0, 1], 12);
        Assert.Equal(3.0, a[2, 3], 12);
        Assert.Equal(-1.5, a[0, 2], 12);
        Assert.Equal(-1.5, a[1, 3], 12);
        Assert.Equal(0.0, a[1, 1], 12);
    }

    /// <summary>
    /// The straightforward float64 reference: per batch, float64 Gram matrices and the docs formula (<see cref="MinibatchCka.Hsic1"/>)
    /// for every layer pair, summed, then the ratio.
    /// </summary>
    private static double[,] ReferenceCka(IReadOnlyList<Tensor[]> batchesA, IReadOnlyList<Tensor[]> batchesB)
    {
        int la = batchesA[0].Length, lb = batchesB[0].Length;
        var kl = new double[la, lb];
        var kk = new double[la];
        var ll = new double[lb];
        for (int b = 0; b < batchesA.Count; b++)
        {
            var ka = batchesA[b].Select(x => { var f = x.reshape(x.shape[0], -1).to(ScalarType.Float64); return f.matmul(f.t()); }).ToArray();
            var kb = batchesB[b].Select(x => { var f = x.reshape(x.shape[0], -1).to(ScalarType.Float64); return f.matmul(f.t()); }).ToArray();
            for (int i = 0; i < la; i++)
            {
                kk[i] += MinibatchCka.Hsic1(ka[i], ka[i]);
                for (int j = 0; j < lb; j++) kl[i, j] += MinibatchCka.Hsic1(ka[i], kb[j]);
            }
            for (int j = 0; j < lb; j++) ll[j] += MinibatchCka.Hsic1(kb[j], kb[j]);
        }
        var cka = new double[la, lb];
        for (int i = 0; i < la; i++)
            for (int j = 0; j < lb; j++) cka[i, j] = Math.Clamp(kl[i, j] / Math.Sqrt(kk[i] * ll[j]), 0, 1);
        return cka;
    }

    [Fact]
    public void Fast_path_with_float32_grams_agrees_with_the_float64_reference_within_0_005_per_entry()
    {
        // ReLU-like features (non-negative, large common mean) stress the centring's cancellation; float32 Gram
        // products are the evaluator's default. docs/metrics.md states the bound: 0.005 on every entry (measured ~1e-6).
        using var scope = NewDisposeScope();
        var batchesA = new List<Tensor[]>();
        var batchesB = new List<Tensor[]>();
        var cka = new MinibatchCka(3, 2, ScalarType.Float32);
        for (int b = 0; b < 3; b++)
        {
            var shared = Random(120, 8, 100 + b);
            Tensor[] a = [(Random(120, 300, 110 + b) + 2).relu().to(ScalarType.Float32),
                          (shared.matmul(Random(8, 64, 120 + b)) + 3).relu().to(ScalarType.Float32),
                          shared.matmul(Random(8, 10, 130 + b)).to(ScalarType.Float32)];
            Tensor[] bb = [(shared.matmul(Random(8, 200, 140 + b)) + 0.5 * Random(120, 200, 150 + b) + 1).relu().to(ScalarType.Float32),
                           Random(120, 10, 160 + b).to(ScalarType.Float32)];
            batchesA.Add(a);
            batchesB.Add(bb);
            cka.Add(a, bb);
        }
        var fast = cka.Result();
        var reference = ReferenceCka(batchesA, batchesB);
        double maxError = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++) maxError = Math.Max(maxError, Math.Abs(fast[i, j] - reference[i, j]));
        Assert.True(maxError <= 0.005, $"max |fast − reference| = {maxError}");
        Assert.True(maxError < 1e-4, $"float32 Gram products should agree far better than the bound: {maxError}");
        Assert.InRange(reference[1, 0], 0.2, 1.0); // the shared-signal pair is clearly similar, so the check is not of zeros
    }

    [Fact]
    public void Batches_of_three_or_fewer_samples_are_rejected()
    {
        using var scope = NewDisposeScope();
        var x = Random(3, 4, 1);
        Assert.Throws<ArgumentException>(() => MinibatchCka.Linear(x, x));
    }
}
