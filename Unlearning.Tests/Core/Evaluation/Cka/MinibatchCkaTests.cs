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
    public void Batches_of_three_or_fewer_samples_are_rejected()
    {
        using var scope = NewDisposeScope();
        var x = Random(3, 4, 1);
        Assert.Throws<ArgumentException>(() => MinibatchCka.Linear(x, x));
    }
}
