using Unlearning.Core.Data;
using Unlearning.Core.Evaluation.Depth;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Evaluation.Depth;

/// <summary>Depth of forgetting: the logistic-regression probe against independent optima, the relearning draw and threshold rule, validation, and one run on generated data.</summary>
[Collection("Torch")]
public sealed class DepthTests(SyntheticUnlearningData data) : IClassFixture<SyntheticUnlearningData>
{
    [Fact]
    public void Two_class_fit_with_l2_matches_the_optimum_solved_by_bisection()
    {
        // x = +1 → class 1, x = −1 → class 0 (already standardised: mean 0, population sd 1). With W = [w0; w1] the optimum has
        // w0 = −w1 and equal intercepts (the problem is symmetric), so with d = w1 − w0 the gradient in w1 is
        // ½[(σ(d) − 1)·1 + σ(−d)·(−1)] + λ·d/2 = −σ(−d) + λd/2 = 0. Solve σ(−d) = λd/2 independently by bisection.
        const double lambda = 0.1;
        double lo = 0, hi = 100;
        for (int i = 0; i < 200; i++)
        {
            double mid = (lo + hi) / 2;
            if (1 / (1 + Math.Exp(mid)) - lambda * mid / 2 > 0) lo = mid; else hi = mid;
        }
        double d = (lo + hi) / 2;   // ≈ 3.2 for λ = 0.1
        var model = LogisticRegression.Fit([[1.0], [-1.0]], [1, 0], 2, lambda, maxIterations: 20000, tolerance: 1e-10);
        Assert.Equal(d / 2, model.Weights[1][0], 6);
        Assert.Equal(-d / 2, model.Weights[0][0], 6);
        Assert.Equal(0, model.Bias[1] - model.Bias[0], 6);
        Assert.Equal(1 / (1 + Math.Exp(-d)), model.Probabilities([[1.0]])[0][1], 6);
        Assert.Equal([1, 0], model.Predict([[1.0], [-1.0]]));
    }

    [Fact]
    public void Unpenalised_fit_on_a_saturated_design_reproduces_the_label_frequencies()
    {
        // One binary feature and an intercept per class can fit any two distributions exactly, so the maximum-likelihood
        // probabilities are the empirical frequencies: level 0 has labels 0,0,1,2 → (½, ¼, ¼); level 1 has 0,1,2,2 → (¼, ¼, ½).
        double[][] x = [[0], [0], [0], [0], [1], [1], [1], [1]];
        int[] y = [0, 0, 1, 2, 0, 1, 2, 2];
        var model = LogisticRegression.Fit(x, y, 3, l2: 0, maxIterations: 50000, tolerance: 1e-9);
        var p = model.Probabilities([[0.0], [1.0]]);
        Assert.Equal([0.5, 0.25, 0.25], p[0].Select(v => Math.Round(v, 4)));
        Assert.Equal([0.25, 0.25, 0.5], p[1].Select(v => Math.Round(v, 4)));
        Assert.True(model.GradientNorm < 1e-6, $"gradient {model.GradientNorm}");
    }

    [Fact]
    public void Fit_is_deterministic_and_standardises_with_the_training_statistics()
    {
        double[][] x = [[10, 0.001], [12, 0.003], [14, 0.002], [16, 0.004]];
        int[] y = [0, 0, 1, 1];
        var a = LogisticRegression.Fit(x, y, 2, 0.01);
        var b = LogisticRegression.Fit(x, y, 2, 0.01);
        Assert.Equal(a.Weights[1], b.Weights[1]);
        Assert.Equal(a.Bias, b.Bias);
        // Mean and population standard deviation by hand: 13 and √5; 0.0025 and √(1.25e-6).
        Assert.Equal(13, a.Mean[0], 12);
        Assert.Equal(Math.Sqrt(5), a.Scale[0], 12);
        Assert.Equal(0.0025, a.Mean[1], 12);
        Assert.Equal(Math.Sqrt(1.25e-6), a.Scale[1], 12);
        Assert.Equal([0, 0, 1, 1], a.Predict(x));
    }

    [Fact]
    public void Fit_refuses_bad_input_with_clear_messages()
    {
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[double.NaN]], [0], 2, 0.1)).Message);
        Assert.Contains("labels", Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[1.0]], [0, 1], 2, 0.1)).Message);
        Assert.Contains("0..1", Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[1.0]], [2], 2, 0.1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LogisticRegression.Fit([[1.0]], [0], 2, -1));
    }

    [Fact]
    public void Chance_is_the_share_of_the_most_frequent_held_out_label()
    {
        Assert.Equal(2.0 / 3, LogisticRegression.Chance([1, 1, 0]), 12);
        Assert.Equal(0.5, LogisticRegression.Chance([0, 1, 2, 2]), 12);
        Assert.Equal(0.75, LogisticRegression.Accuracy([1, 0, 1, 1], [1, 0, 0, 1]), 12);
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 5 }, new[] { 0.1, 0.3, 0.6, 0.9 }, 0.5, 2)]
    [InlineData(new[] { 0, 1, 2, 5 }, new[] { 0.1, 0.3, 0.6, 0.9 }, 0.6, 2)]   // equal counts as reached
    [InlineData(new[] { 0, 1, 2, 5 }, new[] { 0.1, 0.3, 0.6, 0.9 }, 0.05, 0)]
    [InlineData(new[] { 0, 1, 2, 5 }, new[] { 0.1, 0.3, 0.6, 0.9 }, 0.95, null)]
    [InlineData(new[] { 0, 3, 8 }, new[] { 0.7, 0.2, 0.5 }, 0.4, 0)]      // the first step, not the last crossing
    public void Steps_to_reach_is_the_first_scheduled_step_at_or_above_the_threshold(int[] steps, double[] ua, double threshold, int? expected)
    {
        Assert.Equal(expected, Relearning.StepsToReach(steps, ua, threshold));
    }

    [Fact]
    public void Steps_to_reach_without_a_threshold_is_null()
    {
        Assert.Null(Relearning.StepsToReach([0, 1], [0.9, 1.0], null));
        Assert.Null(Relearning.StepsToReach([0, 1], [0.9, 1.0], double.NaN));
    }

    [Theory]
    [InlineData(6000, 60)]     // 1 % of a Fashion-MNIST class
    [InlineData(1650, 17)]     // 16.5 rounds away from zero
    [InlineData(100, 16)]      // 1 is below the floor of 16
    [InlineData(10, 10)]       // never more than the forget set
    public void Subset_size_is_one_percent_with_a_floor_of_16(int forgetCount, int expected)
    {
        Assert.Equal(expected, Relearning.SubsetSize(forgetCount, new RelearningOptions()));
    }

    [Fact]
    public void Subset_draw_is_the_documented_splitmix64_shuffle()
    {
        // Class 0 of these labels is [0, 3, 5, 7, 9]; the Python reference of docs/forget-sets.md draws a sub-class set of
        // 3 with seed 5 from it as [3, 5, 9] (the same shuffle-and-take-first rule, pinned in ForgetSetsTests).
        var options = new RelearningOptions { MinSamples = 3, Fraction = 0.01, Seed = 5 };
        Assert.Equal([3, 5, 9], Relearning.DrawSubset([0, 3, 5, 7, 9], options));
        var forget = Enumerable.Range(0, 3000).Select(i => i * 3).ToArray();
        var first = Relearning.DrawSubset(forget, new RelearningOptions());
        Assert.Equal(first, Relearning.DrawSubset(forget, new RelearningOptions()));
        Assert.Equal(30, first.Length);
        Assert.Equal(first.Order(), first);
        Assert.All(first, i => Assert.Contains(i, forget));
        Assert.NotEqual(first, Relearning.DrawSubset(forget, new RelearningOptions { Seed = 1 }));
    }

    [Fact]
    public void Batch_plan_covers_the_subset_once_per_pass()
    {
        var subset = Enumerable.Range(100, 20).ToArray();
        var plan = Relearning.BatchPlan(subset, 5, new RelearningOptions());
        Assert.Equal([16, 4, 16, 4, 16], plan.Select(b => b.Length));
        Assert.Equal(subset, plan[0].Concat(plan[1]).Order());
        Assert.Equal(subset, plan[2].Concat(plan[3]).Order());
        Assert.NotEqual(plan[0], plan[2]);   // each pass is shuffled anew
    }

    [Fact]
    public void Class_probe_set_is_balanced_disjoint_and_seeded()
    {
        var labels = Enumerable.Range(0, 200).Select(i => i % 10).ToArray();
        var split = new ForgetSplit(3, [.. Enumerable.Range(0, 200).Where(i => labels[i] == 3)], [.. Enumerable.Range(0, 200).Where(i => labels[i] != 3)], [], []);
        var set = LinearProbe.Draw(split, labels, 10, new ProbeOptions { SamplesPerSide = 15 });
        Assert.Equal(ProbeTargets.ForgetClassVsOthers, set.Target);
        Assert.Equal(2, set.Classes);
        // 20 forget samples exist; 15 per side are kept: 7 + 7 train, 8 + 8 test.
        Assert.Equal(14, set.TrainIndexes.Length);
        Assert.Equal(16, set.TestIndexes.Length);
        Assert.Equal(7, set.TrainLabels.Count(l => l == 1));
        Assert.Equal(8, set.TestLabels.Count(l => l == 1));
        Assert.Empty(set.TrainIndexes.Intersect(set.TestIndexes));
        Assert.All(set.TrainIndexes.Zip(set.TrainLabels), p => Assert.Equal(p.Second == 1, labels[p.First] == 3));
        Assert.All(set.TestIndexes.Zip(set.TestLabels), p => Assert.Equal(p.Second == 1, labels[p.First] == 3));
        Assert.Equal(set.TrainIndexes, LinearProbe.Draw(split, labels, 10, new ProbeOptions { SamplesPerSide = 15 }).TrainIndexes);
    }

    [Fact]
    public void Sample_probe_set_predicts_the_true_labels_of_forget_samples_half_and_half()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i % 4).ToArray();
        int[] forget = [1, 2, 5, 6, 9, 10, 13, 14, 17];
        var split = new ForgetSplit(-1, forget, [.. Enumerable.Range(0, 100).Except(forget)], [], []) { IsClassWise = false };
        var set = LinearProbe.Draw(split, labels, 4, new ProbeOptions());
        Assert.Equal(ProbeTargets.ForgetSampleLabels, set.Target);
        Assert.Equal(4, set.TrainIndexes.Length);
        Assert.Equal(5, set.TestIndexes.Length);
        Assert.Equal(forget, set.TrainIndexes.Concat(set.TestIndexes).Order());
        Assert.Equal(set.TestIndexes.Select(i => labels[i]), set.TestLabels);
    }

    [Fact]
    public void Pooled_layers_are_the_spatial_means_of_the_flattened_maps()
    {
        using var scope = NewDisposeScope();
        using var model = new CompactResNet(1, 10);
        model.eval();
        using var noGrad = no_grad();
        var x = randn(2, 1, 28, 28);
        var flat = model.ForwardLayers(x);
        var pooled = model.ForwardPooledLayers(x);
        // The stem is 16 channels of 14×14 = 196 values, stored channel by channel.
        var stem = flat[0].data<float>().ToArray();
        var expected = Enumerable.Range(0, 16).Select(c => stem.Skip(3136 + c * 196).Take(196).Average()).ToArray();
        var actual = pooled[0][1].data<float>().ToArray();
        for (int c = 0; c < 16; c++) Assert.Equal(expected[c], actual[c], 4);
        Assert.Equal([16L, 16, 32, 32, 64, 64, 10], pooled.Select(p => p.shape[1]));
        Assert.True(pooled[^1].eq(flat[^1]).all().item<bool>());
    }

    [Fact]
    public void Validation_names_the_problem_of_a_bad_stored_object()
    {
        var good = Good();
        Assert.Same(good, good.Validate());
        Assert.Contains("ua", Assert.Throws<InvalidDataException>(() => (good with { Relearning = good.Relearning with { UA = [0.1, double.NaN, 0.5] } }).Validate()).Message);
        Assert.Contains("3 steps but 2", Assert.Throws<InvalidDataException>(() => (good with { Relearning = good.Relearning with { UA = [0.1, 0.2] } }).Validate()).Message);
        Assert.Contains("2 layers but 1", Assert.Throws<InvalidDataException>(() => (good with { Probes = good.Probes with { Accuracy = [0.5] } }).Validate()).Message);
        Assert.Contains("start at 0", Assert.Throws<InvalidDataException>(() => (good with { Relearning = good.Relearning with { Steps = [1, 2, 3] } }).Validate()).Message);
        Assert.Contains("[0, 1]", Assert.Throws<InvalidDataException>(() => (good with { Probes = good.Probes with { Chance = 1.5 } }).Validate()).Message);
        Assert.Contains("'relearning.ra'", Assert.Throws<InvalidDataException>(() => (good with { Relearning = good.Relearning with { RA = [0.9, 0.9] } }).Validate()).Message);
        Assert.Contains("target", Assert.Throws<InvalidDataException>(() => (good with { Probes = good.Probes with { Target = "x" } }).Validate()).Message);
    }

    internal static DepthResults Good() => new(
        new RelearningCurve(16, 0.01, 0.9, 16, [0, 1, 5], [0.0, 0.25, 0.75], 1.0, 5),
        new ProbeProfile(ProbeTargets.ForgetClassVsOthers, ["stem", "fc"], [0.6, 0.9], 0.5, 10, 10), 1.5);

    [Fact]
    public void Depth_run_on_generated_data_reads_the_forget_class_and_leaves_the_model_unchanged()
    {
        using var scope = NewDisposeScope();
        var x = data.Train.Images.narrow(0, 0, 20);
        Tensor before;
        using (no_grad()) before = data.Original.call(x).clone();
        var options = new DepthOptions { Probes = new ProbeOptions { SamplesPerSide = 60 } };
        var reports = new List<DepthProgress>();
        var original = DepthEvaluation.Run(data.Original, data.Train, data.Split, options, null, new SyncProgress<DepthProgress>(reports.Add), default);

        using (no_grad())
            Assert.True(data.Original.call(x).eq(before).all().item<bool>(), "the relearning attack must restore the model's weights");
        Assert.Equal(new RelearningOptions().Schedule, original.Relearning.Steps);
        Assert.Equal(16, original.Relearning.SubsetSize);   // 1 % of 60 forget samples is below the floor of 16
        Assert.Equal(data.OriginalForget, original.Relearning.UA[0], 9);   // step 0 is the model's own UA
        Assert.Equal(original.Relearning.UA[0], original.Relearning.ReferenceUA);
        Assert.Equal(0, original.Relearning.StepsToHalfReference);
        // RA on the retain sample (all 540 retain samples here): the Original classifies them all (measured 1.0) before the attack.
        Assert.Equal(original.Relearning.Steps.Length, original.Relearning.RA!.Length);
        Assert.True(original.Relearning.RA[0] >= 0.8, $"RA {original.Relearning.RA[0]:F3}");
        Assert.Equal(CompactResNet.Layers, original.Probes.Layers);
        Assert.Equal(0.5, original.Probes.Chance);
        // On the synthetic set the Original classifies class 3 perfectly; its logits separate class 3 from the others almost
        // perfectly (measured 1.0); 0.8 leaves room for other CPUs.
        Assert.True(original.Probes.Accuracy[^1] >= 0.8, $"head probe {original.Probes.Accuracy[^1]:F3}");
        Assert.True(reports.Count > 0 && reports[^1].Fraction == 1 && reports.Zip(reports.Skip(1)).All(p => p.Second.Fraction >= p.First.Fraction));

        // A model that never saw class 3 starts near 0 and relearns from 16 samples.
        Trainer.Seed(3);
        using var retrained = SyntheticUnlearningData.CreateModel();
        Trainer.Train(retrained, data.Train, data.Split.Retain, new TrainOptions { Epochs = 12, LearningRate = 0.05, BatchSize = 32, Augment = false, Seed = 3 });
        var reference = DepthEvaluation.Run(retrained, data.Train, data.Split, options, original.Relearning.UA[0], null, default);
        Assert.True(reference.Relearning.UA[0] <= 0.1, $"retrained UA {reference.Relearning.UA[0]:F3}");
        Assert.True(reference.Relearning.UA[^1] >= reference.Relearning.UA[0] + 0.3, $"relearning curve {string.Join(", ", reference.Relearning.UA)}");
        Assert.Equal(Relearning.StepsToReach(reference.Relearning.Steps, reference.Relearning.UA, original.Relearning.UA[0] / 2), reference.Relearning.StepsToHalfReference);
        Assert.NotEqual(0, reference.Relearning.StepsToHalfReference);
    }

    [Fact]
    public void A_cancelled_run_stops_and_leaves_the_model_unchanged()
    {
        using var scope = NewDisposeScope();
        var x = data.Train.Images.narrow(0, 0, 20);
        Tensor before;
        using (no_grad()) before = data.Original.call(x).clone();
        using var cts = new CancellationTokenSource();
        // Cancelled as the relearning attack reports its first measured step (after the probes).
        var progress = new SyncProgress<DepthProgress>(p => { if (p.Stage == "Relearning attack") cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => DepthEvaluation.Run(data.Original, data.Train, data.Split,
            new DepthOptions { Probes = new ProbeOptions { SamplesPerSide = 60 } }, null, progress, cts.Token));
        using (no_grad())
            Assert.True(data.Original.call(x).eq(before).all().item<bool>(), "a cancelled attack must restore the model's weights");
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
