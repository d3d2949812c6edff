using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Methods;
using Unlearning.Core.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Methods;

[Collection("Torch")]
public sealed class BuiltInMethodsTests(SyntheticUnlearningData data, ITestOutputHelper output) : IClassFixture<SyntheticUnlearningData>
{
    /// <summary>Hyperparameters suited to the tiny dataset (60 forget / 540 retain images).</summary>
    public static TheoryData<string, Dictionary<string, double>> TinyRuns() => new()
    {
        // Fine-tuning forgets only through drift of the shared features: it needs a high learning rate here.
        { "FineTuning", new() { ["epochs"] = 5, ["learning_rate"] = 0.1, ["batch_size"] = 8 } },
        { "GradientAscent", new() { ["epochs"] = 3, ["learning_rate"] = 0.01, ["batch_size"] = 32 } },
        { "RandomLabeling", new() { ["epochs"] = 3, ["learning_rate"] = 0.02, ["batch_size"] = 32 } },
        { "SCRUB", new() { ["epochs"] = 4, ["learning_rate"] = 0.05, ["batch_size"] = 16 } },
        { "SalUn", new() { ["epochs"] = 3, ["learning_rate"] = 0.02, ["batch_size"] = 32 } },
        // 60 forget images against 540 retain: the forget term needs more weight than on Fashion-MNIST (forget 90 % → 0 %
        // in epoch 2, test retain 98.9 % here).
        { "NegGradPlus", new() { ["epochs"] = 3, ["learning_rate"] = 0.01, ["batch_size"] = 32, ["alpha"] = 0.9 } },
        // Fine-Tuning's tiny settings plus a small decaying ℓ1 penalty.
        { "L1Sparse", new() { ["epochs"] = 5, ["learning_rate"] = 0.1, ["batch_size"] = 8, ["l1_gamma"] = 1e-4 } },
        // Forget-set-only methods: 60 images, so a few small batches at a larger rate than on Fashion-MNIST (see RetainLossOf).
        { "BoundaryShrink", new() { ["epochs"] = 5, ["learning_rate"] = 0.003, ["batch_size"] = 16, ["attack_bound"] = 0.25, ["attack_step"] = 0.1 } },
        { "BoundaryExpanding", new() { ["epochs"] = 3, ["learning_rate"] = 0.01, ["batch_size"] = 16 } },
        // Retain-free: the 60 forget images in 2 batches with 6 surrogate batches each, all 60 train images of a class for its
        // statistics; Adam needs 0.01 here (forget 0 % from epoch 1, test retain 98.9 %; at 0.003 forget reached 1.7 % only in epoch 3).
        { "SCAR", new() { ["epochs"] = 3, ["learning_rate"] = 0.01, ["batch_size"] = 32, ["surrogate_images"] = 1000, ["stats_per_class"] = 60 } },
    };

    /// <summary>
    /// The allowed loss of test accuracy on the other classes, when a method needs more than the fixture's
    /// <see cref="SyntheticUnlearningData.RetainLoss"/>. Boundary Shrink and Boundary Expanding train on forget-class batches
    /// only with batch norm in train mode (as the authors' code), so its running statistics drift to that one class; on this
    /// 60-image class no setting forgot without losing retain accuracy (batch 16: 73.3 % and 77.8 % of 100 %; batch 60 did not
    /// forget at all). Half of the Original's accuracy still fails a wrecked model (chance is 10 %) with ~20 points to spare.
    /// </summary>
    private static double RetainLossOf(string name) => name is "BoundaryShrink" or "BoundaryExpanding" ? 0.5 : SyntheticUnlearningData.RetainLoss;

    private static readonly MethodCatalog Catalog = new(MethodServiceCollectionExtensions.BuiltIns());

    [Fact]
    public void Original_learns_the_synthetic_data()
    {
        output.WriteLine($"original test accuracy {data.OriginalTestAccuracy:P1}");
        // The method tests measure against this model: it must have learnt every class, the forget class included
        // (100 % on the build machine with 1 and 2 threads; chance is 10 %).
        Assert.True(data.OriginalTestAccuracy >= 0.85, $"original test accuracy {data.OriginalTestAccuracy:P1}");
        Assert.True(data.OriginalForget >= 0.85, $"original forget-class accuracy {data.OriginalForget:P1}");
    }

    [Theory]
    [MemberData(nameof(TinyRuns))]
    public void Method_forgets_the_forget_class_and_keeps_the_rest(string name, Dictionary<string, double> hyperparameters)
    {
        var method = Catalog.Get(name);
        var context = data.Context(method, hyperparameters);
        using var model = context.Model;
        var reports = new List<UnlearningProgress>();
        var clock = Stopwatch.StartNew();
        var result = method.Run(context, new CallbackProgress<UnlearningProgress>(reports.Add), CancellationToken.None);
        var (forget, testRetain, testForget) = data.Measure(model);
        output.WriteLine($"{name}: UA(train forget) {forget:P1}, test forget {testForget:P1}, test retain {testRetain:P1}, RT {result.RunTimeSeconds}s, wall {clock.Elapsed.TotalSeconds:F1}s");
        foreach (var e in result.Epochs) output.WriteLine($"  {e}");

        data.AssertForgotAndKept(name, model, RetainLossOf(name));
        Assert.Equal((int)context.Hyperparameters["epochs"], result.Epochs.Count);
        Assert.Equal(forget, result.Epochs[^1].ForgetAccuracy, 6);
        Assert.All(reports, r => Assert.InRange(r.Fraction, 0, 1));
        var unlearning = reports.Where(r => r.Stage == UnlearningProgress.UnlearningStage).ToList();
        Assert.Equal(1.0, unlearning[^1].Fraction, 6);
        Assert.Equal(result.Epochs.Count, unlearning[^1].Epoch);
        Assert.NotNull(unlearning[^1].ForgetAccuracy);
    }

    [Theory]
    [InlineData("FineTuning")]
    [InlineData("GradientAscent")]
    [InlineData("RandomLabeling")]
    [InlineData("SCRUB")]
    [InlineData("SalUn")]
    [InlineData("NegGradPlus")]
    [InlineData("L1Sparse")]
    [InlineData("BoundaryShrink")]
    [InlineData("BoundaryExpanding")]
    [InlineData("SCAR")]
    public void Same_seed_gives_identical_weights(string name)
    {
        var method = Catalog.Get(name);
        var hp = new Dictionary<string, double> { ["epochs"] = 1, ["learning_rate"] = 0.02, ["batch_size"] = 64 };
        var a = data.Context(method, hp, seed: 7);
        var b = data.Context(method, hp, seed: 7);
        using var ma = a.Model;
        using var mb = b.Model;
        var ra = method.Run(a, new CallbackProgress<UnlearningProgress>(_ => { }), CancellationToken.None);
        var rb = method.Run(b, new CallbackProgress<UnlearningProgress>(_ => { }), CancellationToken.None);
        Assert.Equal(ra.Epochs[^1].ForgetAccuracy, rb.Epochs[^1].ForgetAccuracy);
        Assert.Equal(ra.Epochs[^1].ForgetLoss, rb.Epochs[^1].ForgetLoss);
        var sa = ma.state_dict();
        var sb = mb.state_dict();
        foreach (var (key, ta) in sa)
            Assert.True(ta.eq(sb[key]).all().item<bool>(), $"{name}: {key} differs between two runs with the same seed");
        Assert.False(sa.Where(kv => kv.Value.is_floating_point()).All(kv => kv.Value.eq(data.Original.state_dict()[kv.Key]).all().item<bool>()),
            $"{name} changed no weight");
    }

    [Theory]
    [InlineData("FineTuning")]
    [InlineData("GradientAscent")]
    [InlineData("RandomLabeling")]
    [InlineData("SCRUB")]
    [InlineData("SalUn")]
    [InlineData("NegGradPlus")]
    [InlineData("L1Sparse")]
    [InlineData("BoundaryShrink")]
    [InlineData("BoundaryExpanding")]
    [InlineData("SCAR")]
    public void Cancellation_stops_within_one_batch(string name)
    {
        var method = Catalog.Get(name);
        var context = data.Context(method, new Dictionary<string, double> { ["epochs"] = 3, ["batch_size"] = 16 });
        using var model = context.Model;
        using var cts = new CancellationTokenSource();
        int batchReports = 0, reportsAfterCancel = 0;
        var progress = new CallbackProgress<UnlearningProgress>(p =>
        {
            if (cts.IsCancellationRequested) reportsAfterCancel++;
            if (p.Stage == UnlearningProgress.UnlearningStage && p.Fraction > 0 && ++batchReports == 3) cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => method.Run(context, progress, cts.Token));
        Assert.Equal(3, batchReports);
        Assert.True(reportsAfterCancel <= 1, $"{reportsAfterCancel} progress reports after cancellation");
    }

    [Theory]
    [InlineData("SCRUB", Scrub.FisherStage)]
    [InlineData("SalUn", SalUn.SaliencyStage)]
    public void Cancellation_during_preparation_stops_before_unlearning(string name, string stage)
    {
        var method = Catalog.Get(name);
        var context = data.Context(method, null);
        using var model = context.Model;
        using var cts = new CancellationTokenSource();
        var stages = new List<string>();
        var progress = new CallbackProgress<UnlearningProgress>(p =>
        {
            stages.Add(p.Stage);
            if (p.Stage == stage) cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => method.Run(context, progress, cts.Token));
        Assert.Equal([stage], stages.Distinct());
    }

    [Fact]
    public void Distillation_loss_matches_hand_computed_KL()
    {
        using var scope = NewDisposeScope();
        var student = tensor(new float[] { 1, 0, 0, 0, 0, 2 }, [2, 3]);
        var teacher = tensor(new float[] { 0, 0, 0, 1, 1, 1 }, [2, 3]);
        const double T = 2;
        double expected = 0;
        float[][] s = [[1, 0, 0], [0, 0, 2]], t = [[0, 0, 0], [1, 1, 1]];
        for (int i = 0; i < 2; i++)
        {
            var ps = Softmax(s[i], T);
            var pt = Softmax(t[i], T);
            for (int j = 0; j < 3; j++) expected += pt[j] * Math.Log(pt[j] / ps[j]);
        }
        expected = expected / 2 * T * T;
        Assert.Equal(expected, Scrub.DistillationLoss(student, teacher, T).item<float>(), 5);

        static double[] Softmax(float[] z, double temp)
        {
            var e = z.Select(v => Math.Exp(v / temp)).ToArray();
            return [.. e.Select(v => v / e.Sum())];
        }
    }
}
