using Unlearning.Core.Methods;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Methods;

/// <summary>SCAR's pure pieces against hand-computed values, its surrogate images and its statistics stage.</summary>
[Collection("Torch")]
public sealed class ScarTests(SyntheticUnlearningData data) : IClassFixture<SyntheticUnlearningData>
{
    [Fact]
    public void Shrinkage_adds_gamma_times_the_mean_variance_and_the_mean_non_zero_covariance()
    {
        using var scope = NewDisposeScope();
        // S = [[4, 1], [1, 2]]: V1 = (4 + 2)/2 = 3, V2 = 1 → S + 3·3·I + 3·1·(1 − I) = [[13, 4], [4, 11]] (by hand).
        var s = tensor(new double[] { 4, 1, 1, 2 }, [2, 2]);
        Assert.Equal([13.0, 4, 4, 11], Scar.ShrinkCovariance(s, 3, 3).data<double>().ToArray());
        // The second application (as SCAR does) sees V1 = 12, V2 = 4: [[49, 16], [16, 47]].
        Assert.Equal([49.0, 16, 16, 47], Scar.ShrinkCovariance(Scar.ShrinkCovariance(s, 3, 3), 3, 3).data<double>().ToArray());
        // No non-zero off-diagonal entry: V2 = 0. diag(2, 4), γ1 = 1: + 3 on the diagonal only.
        var d = tensor(new double[] { 2, 0, 0, 4 }, [2, 2]);
        Assert.Equal([5.0, 0, 0, 7], Scar.ShrinkCovariance(d, 1, 5).data<double>().ToArray());
    }

    [Fact]
    public void Precision_is_the_pseudo_inverse_of_the_twice_shrunk_correlation()
    {
        using var scope = NewDisposeScope();
        // Rows (0,0), (1,1), (2,2), (3,1): mean (1.5, 1); unbiased Cov = [[5/3, 2/3], [2/3, 2/3]] (by hand).
        // Shrinking twice with γ = 3 adds 15·V1 = 15·7/6 on the diagonal and 15·V2 = 15·2/3 off it:
        // S'' = [[5/3 + 17.5, 2/3 + 10], [2/3 + 10, 2/3 + 17.5]]; ρ = S''01 / √(S''00·S''11); P = [[1, −ρ], [−ρ, 1]] / (1 − ρ²).
        var x = tensor(new double[] { 0, 0, 1, 1, 2, 2, 3, 1 }, [4, 2]);
        double rho = (2.0 / 3 + 10) / Math.Sqrt((5.0 / 3 + 17.5) * (2.0 / 3 + 17.5));
        double k = 1 / (1 - rho * rho);
        var p = Scar.Precision(x, 3, 3).data<double>().ToArray();
        Assert.Equal([k, -rho * k, -rho * k, k], p, new Tolerance(1e-9));
        Assert.Equal(0.57163, rho, 5);
    }

    [Fact]
    public void Mahalanobis_forget_loss_matches_a_hand_computed_2D_example()
    {
        using var scope = NewDisposeScope();
        // Embeddings (4, 1) and (1, 9); δ = 0.5: t = (2, 1) and (1, 3); û = (2, 1)/√5 and (1, 3)/√10.
        // Class means (already transformed) (3, 0) and (1, 1): m̂0 = (1, 0), m̂1 = (1, 1)/√2.
        // P0 = [[2, 0], [0, 1]], P1 = [[1, 0.5], [0.5, 1]]: dᵀP1d = a² + b² + ab.
        var features = tensor(new float[] { 4, 1, 1, 9 }, [2, 2]);
        var means = tensor(new float[] { 3, 0, 1, 1 }, [2, 2]);
        var precisions = tensor(new float[] { 2, 0, 0, 1, 1, 0.5f, 0.5f, 1 }, [2, 2, 2]);
        double s5 = Math.Sqrt(5), s10 = Math.Sqrt(10), r2 = 1 / Math.Sqrt(2);
        double d00 = 2 * Math.Pow(2 / s5 - 1, 2) + Math.Pow(1 / s5, 2);                     // 0.222291
        double d01 = Quad(2 / s5 - r2, 1 / s5 - r2);                                          // 0.053950
        double d10 = 2 * Math.Pow(1 / s10 - 1, 2) + Math.Pow(3 / s10, 2);                     // 1.835089
        double d11 = Quad(1 / s10 - r2, 3 / s10 - r2);                                        // 0.116718
        var distances = Scar.MahalanobisDistances(features, means, precisions, 0.5).data<float>().ToArray();
        Assert.Equal([d00, d01, d10, d11], distances.Select(v => (double)v), new Tolerance(1e-5));
        Assert.Equal(0.053950, d01, 6);

        // Targets: sample 0 → class 1, sample 1 → class 0 (its farther class): loss = (d01 + d10) / 2 = 0.944519.
        var loss = Scar.ForgetLoss(features, tensor(new long[] { 1, 0 }), means, precisions, 0.5).item<float>();
        Assert.Equal((d01 + d10) / 2, loss, 5);
        Assert.Equal(0.944519, (d01 + d10) / 2, 5);

        static double Quad(double a, double b) => a * a + b * b + a * b;
    }

    [Fact]
    public void Forget_loss_gradient_stays_finite_where_a_feature_is_exactly_zero()
    {
        using var scope = NewDisposeScope();
        var features = tensor(new float[] { 0, 2, 3, 0 }, [2, 2], requires_grad: true);
        var means = tensor(new float[] { 1, 1, 1, 2 }, [2, 2]);
        var precisions = eye(2).unsqueeze(0).repeat(2, 1, 1);
        Scar.ForgetLoss(features, tensor(new long[] { 0, 1 }), means, precisions, 0.5).backward();
        Assert.True(features.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void Surrogate_distillation_drops_forget_class_predictions_and_floors_the_forget_logit()
    {
        using var scope = NewDisposeScope();
        // Forget class 2. Teacher rows: (2, −1, 1) → kept, (0, 1, 0.5) → kept, (0, 0, 3) → predicts class 2, dropped.
        // Kept teacher minimum −1 replaces column 2: (2, −1, −1), (0, 1, −1); T = 2 divides the teacher only.
        var student = tensor(new float[] { 0, 0, 0, 1, 0, 0, 5, 5, 5 }, [3, 3]);
        var teacher = tensor(new float[] { 2, -1, 1, 0, 1, 0.5f, 0, 0, 3 }, [3, 3]);
        double[][] t = [[1, -0.5, -0.5], [0, 0.5, -0.5]], s = [[0, 0, 0], [1, 0, 0]];
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            var pt = Softmax(t[i]);
            var ps = Softmax(s[i]);
            for (int j = 0; j < 3; j++) expected += pt[j] * Math.Log(pt[j] / ps[j]);
        }
        expected /= 2;
        Assert.Equal(expected, Scar.SurrogateDistillationLoss(student, teacher, 2, 2).item<float>(), 5);

        // Every image predicted as the forget class: nothing to distil.
        Assert.Equal(0, Scar.SurrogateDistillationLoss(student.narrow(0, 2, 1), teacher.narrow(0, 2, 1), 2, 1).item<float>());

        static double[] Softmax(double[] z)
        {
            var e = z.Select(Math.Exp).ToArray();
            return [.. e.Select(v => v / e.Sum())];
        }
    }

    [Fact]
    public void Surrogate_images_are_seeded_and_mosaics_copy_only_forget_cells()
    {
        using var scope = NewDisposeScope();
        var forget = data.Split.Forget;
        var a = SurrogateImages.Generate(data.Train, forget, 40, 0.5, new Random(3));
        var b = SurrogateImages.Generate(data.Train, forget, 40, 0.5, new Random(3));
        Assert.Equal(new long[] { 40, 1, 8, 8 }, a.shape);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(SurrogateImages.Generate(data.Train, forget, 40, 0.5, new Random(4))).all().item<bool>());

        // Every 4×4 cell of the 20 mosaics equals some 4×4 cell of some forget image (8×8 images, 2×2 grid).
        var source = data.Train.Images.index_select(0, tensor(forget.Select(i => (long)i).ToArray()));
        var cells = new List<Tensor>();
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 2; x++)
                cells.Add(source[.., .., (y * 4)..(y * 4 + 4), (x * 4)..(x * 4 + 4)]);
        var allCells = cat(cells, 0).flatten(1);
        for (int i = 0; i < 20; i++)
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 2; x++)
                {
                    var cell = a[i, .., (y * 4)..(y * 4 + 4), (x * 4)..(x * 4 + 4)].flatten().unsqueeze(0);
                    Assert.True(allCells.eq(cell).all(1).any().item<bool>(), $"mosaic {i}, cell ({y}, {x}) is not a forget-image cell");
                }
    }

    [Fact]
    public void Cancellation_during_the_statistics_stops_before_any_step()
    {
        var method = new Scar();
        var context = data.Context(method, new Dictionary<string, double> { ["stats_per_class"] = 60 });
        using var model = context.Model;
        using var cts = new CancellationTokenSource();
        var reports = new List<UnlearningProgress>();
        var progress = new CallbackProgress<UnlearningProgress>(p =>
        {
            reports.Add(p);
            if (p.Stage == Scar.StatisticsStage && p.Fraction > 0.3) cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => method.Run(context, progress, cts.Token));
        Assert.Contains(reports, r => r.Stage == Scar.StatisticsStage);
        Assert.DoesNotContain(reports, r => r.Stage == UnlearningProgress.UnlearningStage && r.Fraction > 0);
        Assert.True(model.state_dict().All(kv => kv.Value.eq(data.Original.state_dict()[kv.Key]).all().item<bool>()), "a weight changed before the first step");
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double v) => 0;
    }
}
