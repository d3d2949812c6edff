using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Training;

[Collection("Torch")]
public class TrainingTests
{
    [Fact]
    public void Cosine_schedule_matches_hand_computed_values()
    {
        Assert.Equal(0.1, Trainer.CosineLr(0.1, 0, 0, 8), 12);
        Assert.Equal(0.05, Trainer.CosineLr(0.1, 0, 4, 8), 12);           // cos(π/2) = 0
        Assert.Equal(0.1 * (1 + Math.Sqrt(0.5)) / 2, Trainer.CosineLr(0.1, 0, 2, 8), 12); // cos(π/4)
        Assert.Equal(0.01, Trainer.CosineLr(0.1, 0.01, 8, 8), 12);        // end = eta_min
    }

    [Fact]
    public void Recipe_overrides_replace_only_the_given_values_and_refuse_bad_ones()
    {
        var recipe = TrainOptions.CompactDefaults.WithOverrides(new Dictionary<string, double> { ["epochs"] = 3, ["Learning_Rate"] = 0.02 }, seed: 5);
        Assert.Equal((3, 0.02, 128, 5L, true), (recipe.Epochs, recipe.LearningRate, recipe.BatchSize, recipe.Seed, recipe.Augment));
        Assert.Equal(TrainOptions.CompactDefaults, TrainOptions.CompactDefaults.WithOverrides(new Dictionary<string, double>()));
        Assert.Contains("momentum", Assert.Throws<ArgumentException>(() => TrainOptions.CompactDefaults.WithOverrides(new Dictionary<string, double> { ["momentum"] = 0.5 })).Message);
        Assert.Contains("whole number", Assert.Throws<ArgumentException>(() => TrainOptions.CompactDefaults.WithOverrides(new Dictionary<string, double> { ["batch_size"] = 64.5 })).Message);
        Assert.ThrowsAny<ArgumentException>(() => TrainOptions.CompactDefaults.WithOverrides(epochs: 0));
        Assert.ThrowsAny<ArgumentException>(() => TrainOptions.CompactDefaults.WithOverrides(learningRate: double.NaN));
    }

    private static (Classifier Model, TrainResult Result, double TestAcc) TrainTiny(long seed, int epochs = 8, CancellationToken ct = default, IProgress<TrainProgress>? progress = null)
    {
        var data = TestData.Splits(trainPerClass: 30, testPerClass: 10);
        using var train = new TensorData(data.Train, CPU);
        using var test = new TensorData(data.Test, CPU);
        Trainer.Seed(seed);
        var model = new CompactResNet(1, 10);
        var result = Trainer.Train(model, train, Enumerable.Range(0, data.Train.Count).ToArray(),
            new TrainOptions { Epochs = epochs, LearningRate = 0.05, BatchSize = 32, Seed = seed }, progress, ct);
        return (model, result, Trainer.Accuracy(model, test).Overall);
    }

    [Fact]
    public void Training_learns_the_synthetic_task_and_is_reproducible_with_a_seed()
    {
        var (m1, r1, acc1) = TrainTiny(11);
        var (m2, r2, acc2) = TrainTiny(11);
        var (m3, _, _) = TrainTiny(12);
        using (m1) using (m2) using (m3)
        {
            Assert.True(r1.Epochs[^1].Loss < r1.Epochs[0].Loss, $"loss {r1.Epochs[0].Loss} → {r1.Epochs[^1].Loss}");
            // Chance is 10 %. With augmentation (crops of 4 pixels on 8×8 row bands) 8 epochs reached 88–99 % over seeds 11–14
            // with 1 and 2 threads on the build machine; 0.8 left 8 points (one seed at 88 %). Half-way to chance still
            // fails an untrained or broken trainer and leaves ≥ 38 points for other CPUs and kernels.
            Assert.True(acc1 >= 0.5, $"test accuracy {acc1}");
            Assert.Equal(acc1, acc2);
            var w1 = m1.state_dict()["fc.weight"]; var w2 = m2.state_dict()["fc.weight"]; var w3 = m3.state_dict()["fc.weight"];
            Assert.Equal(0f, (w1 - w2).abs().max().item<float>());
            Assert.NotEqual(0f, (w1 - w3).abs().max().item<float>());
        }
    }

    [Fact]
    public void Training_stops_within_one_batch_of_cancellation()
    {
        using var cts = new CancellationTokenSource();
        int batchesAfterCancel = 0;
        bool cancelled = false;
        var progress = new CallbackProgress<TrainProgress>(p =>
        {
            if (cancelled) batchesAfterCancel++;
            if (p.Epoch == 1 && p.Batch == 1) { cts.Cancel(); cancelled = true; }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => TrainTiny(1, epochs: 3, ct: cts.Token, progress: progress));
        Assert.Equal(0, batchesAfterCancel);
    }

    [Theory]
    [InlineData(0, 0.1, 128)]
    [InlineData(5, double.NaN, 128)]
    [InlineData(5, -0.1, 128)]
    [InlineData(5, 0.1, 0)]
    public void Invalid_recipes_are_rejected(int epochs, double lr, int batch)
    {
        var o = new TrainOptions { Epochs = epochs, LearningRate = lr, BatchSize = batch };
        Assert.Throws<ArgumentOutOfRangeException>(o.Validate);
    }

    [Fact]
    public void Augmentation_keeps_shape_and_pads_with_black_pixels()
    {
        var data = TestData.Splits(trainPerClass: 2, testPerClass: 1);
        using var t = new TensorData(data.Train, CPU);
        using var scope = NewDisposeScope();
        var (x, _) = t.Batch([0, 1, 2, 3]);
        var aug = t.Augment(x, 4, new Random(3));
        Assert.Equal(x.shape, aug.shape);
        // Normalised black = (0 − 0.5)/0.5 = −1; with padding 4 on an 8-pixel image most crops include border pixels.
        Assert.True(aug.eq(-1f).any().item<bool>());
        Assert.True(aug.min().item<float>() >= -1f - 1e-6f);
    }

    [Theory]
    [InlineData(1, 8, 4)]
    [InlineData(3, 8, 2)]
    [InlineData(3, 5, 4)]
    public void The_array_augmentation_equals_the_tensor_op_augmentation_bit_for_bit(int channels, int size, int pad)
    {
        // The CPU path copies between arrays; the tensor-op path (pad, narrow, flip, stack) is its independent reference.
        var data = TestData.Splits(trainPerClass: 3, testPerClass: 1, channels: channels, size: size);
        using var t = new TensorData(data.Train, CPU);
        using var scope = NewDisposeScope();
        var (x, _) = t.Batch([.. Enumerable.Range(0, 20).Select(i => (long)i)]);
        var fast = t.Augment(x, pad, new Random(11));
        var reference = t.AugmentWithTensorOps(x, pad, new Random(11));
        Assert.Equal(reference.shape, fast.shape);
        Assert.True(fast.eq(reference).all().item<bool>());
        // Different draws give a different batch (the test would pass trivially if the random stream were ignored).
        Assert.False(fast.eq(t.Augment(x, pad, new Random(12))).all().item<bool>());
    }
}
