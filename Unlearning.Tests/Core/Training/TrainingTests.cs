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
    public void One_cycle_schedule_matches_hand_computed_values()
    {
        // T = 10 steps, w = 0.2 → W = 2 warm-up steps from η₀/10: 0.01, 0.055; then cosine over the remaining 8 steps.
        Assert.Equal(0.01, Trainer.OneCycleLr(0.1, 0, 10, 0.2), 12);
        Assert.Equal(0.055, Trainer.OneCycleLr(0.1, 1, 10, 0.2), 12);
        Assert.Equal(0.1, Trainer.OneCycleLr(0.1, 2, 10, 0.2), 12);                       // peak, cos 0
        Assert.Equal(0.05, Trainer.OneCycleLr(0.1, 6, 10, 0.2), 12);                      // (6 − 2)/8 = ½ → cos(π/2) = 0
        Assert.Equal(0.1 * (1 + Math.Cos(Math.PI * 7 / 8)) / 2, Trainer.OneCycleLr(0.1, 9, 10, 0.2), 12);
        // No warm-up: plain cosine per step, starting at η₀.
        Assert.Equal(0.2, Trainer.OneCycleLr(0.2, 0, 4, 0), 12);
        Assert.Equal(0.1, Trainer.OneCycleLr(0.2, 2, 4, 0), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.OneCycleLr(0.1, 0, 0, 0.2));
    }

    [Fact]
    public void New_recipe_fields_are_validated_and_old_manifests_read_as_the_per_epoch_cosine_recipe()
    {
        Assert.ThrowsAny<ArgumentException>(() => (TrainOptions.CompactDefaults with { WarmupFraction = 1 }).Validate());
        Assert.ThrowsAny<ArgumentException>(() => (TrainOptions.CompactDefaults with { WarmupFraction = double.NaN }).Validate());
        Assert.ThrowsAny<ArgumentException>(() => (TrainOptions.CompactDefaults with { LabelSmoothing = -0.1 }).Validate());
        Assert.ThrowsAny<ArgumentException>(() => (TrainOptions.CompactDefaults with { Schedule = (LrSchedule)7 }).Validate());
        TrainOptions.CompactFast.Validate();

        // A manifest written before the fields existed has no schedule, warm-up or smoothing keys.
        var old = System.Text.Json.JsonSerializer.Deserialize<TrainOptions>(
            """{"epochs":15,"learningRate":0.1,"batchSize":128,"momentum":0.9,"weightDecay":0.0005,"nesterov":true,"augment":true,"seed":2048}""",
            BaselineManifest.Json)!;
        Assert.Equal(TrainOptions.CompactDefaults, old);
        var json = System.Text.Json.JsonSerializer.Serialize(TrainOptions.CompactFast, BaselineManifest.Json);
        Assert.Contains("\"schedule\": \"OneCycle\"", json);
        Assert.Equal(TrainOptions.CompactFast, System.Text.Json.JsonSerializer.Deserialize<TrainOptions>(json, BaselineManifest.Json));
    }

    [Fact]
    public void One_cycle_training_with_label_smoothing_learns_the_synthetic_task()
    {
        var data = TestData.Splits(trainPerClass: 30, testPerClass: 10);
        using var train = new TensorData(data.Train, CPU);
        using var test = new TensorData(data.Test, CPU);
        Trainer.Seed(3);
        using var model = new CompactResNet(1, 10);
        var lrs = new List<double>();
        var result = Trainer.Train(model, train, Enumerable.Range(0, data.Train.Count).ToArray(),
            new TrainOptions { Epochs = 8, LearningRate = 0.05, BatchSize = 32, Seed = 3, Schedule = LrSchedule.OneCycle, WarmupFraction = 0.2, LabelSmoothing = 0.1 },
            new CallbackProgress<TrainProgress>(p => { if (!p.EpochEnd) lrs.Add(p.LearningRate); }));
        double acc = Trainer.Accuracy(model, test).Overall;
        Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss, $"loss {result.Epochs[0].Loss} → {result.Epochs[^1].Loss}");
        // Chance is 10 %; the per-epoch cosine recipe reaches 88–99 % here (see above). Half-way to chance fails a broken schedule.
        Assert.True(acc >= 0.5, $"test accuracy {acc}");
        // 300 samples / 32 = 10 batches × 8 epochs = 80 steps, 16 of warm-up: rising, peak η₀ at step 16, falling to near 0.
        Assert.Equal(80, lrs.Count);
        Assert.Equal(0.005, lrs[0], 12);
        Assert.Equal(0.05, lrs[16], 12);
        Assert.True(lrs.Take(17).Zip(lrs.Skip(1).Take(16)).All(p => p.First < p.Second));
        Assert.True(lrs[^1] < 0.001);
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
