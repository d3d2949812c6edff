using System.Text.Json.Serialization;

namespace Unlearning.Core.Training;

/// <summary>How the learning rate moves during training (docs/methods.md, "Original and Retrained recipes").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrSchedule>))]
public enum LrSchedule
{
    /// <summary>Cosine annealing from the learning rate to 0, stepped once per epoch (the original's recipe).</summary>
    CosinePerEpoch,
    /// <summary>Linear warm-up from lr/10 to lr over the first <see cref="TrainOptions.WarmupFraction"/> of the batches, then cosine to 0, stepped per batch.</summary>
    OneCycle,
}

/// <summary>
/// Recipe for training an Original or Retrained model (docs/methods.md, "Original and Retrained recipes"): SGD with Nesterov momentum,
/// weight decay, a learning-rate schedule (per-epoch cosine by default, or one-cycle per batch), cross-entropy with optional
/// label smoothing, augmentation.
/// </summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 200;
    public double LearningRate { get; init; } = 0.1;
    public int BatchSize { get; init; } = 128;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    public bool Nesterov { get; init; } = true;
    public bool Augment { get; init; } = true;
    /// <summary>
    /// Learning-rate schedule. Manifests written before the field existed read as <see cref="LrSchedule.CosinePerEpoch"/>,
    /// the recipe they were trained with.
    /// </summary>
    public LrSchedule Schedule { get; init; } = LrSchedule.CosinePerEpoch;
    /// <summary>One-cycle only: fraction of all batches spent warming up (0 = no warm-up).</summary>
    public double WarmupFraction { get; init; }
    /// <summary>Label smoothing ε of the cross-entropy (0 = plain cross-entropy).</summary>
    public double LabelSmoothing { get; init; }
    /// <summary>Seed for weight initialisation, shuffling and augmentation.</summary>
    public long Seed { get; init; } = 2048;

    /// <summary>
    /// The faster recipe measured for the compact model (docs/methods.md, "Faster recipes"): 5 epochs, batch 256, lr 0.2,
    /// one-cycle with 20 % warm-up, label smoothing 0.1, no augmentation — a third of the images of <see cref="CompactDefaults"/>.
    /// </summary>
    public static TrainOptions CompactFast { get; } = new()
    {
        Epochs = 5, BatchSize = 256, LearningRate = 0.2, Schedule = LrSchedule.OneCycle, WarmupFraction = 0.2,
        LabelSmoothing = 0.1, Augment = false,
    };

    /// <summary>The original's recipe for ResNet-18 on CIFAR-10: 200 epochs, lr 0.1, batch 128.</summary>
    public static TrainOptions ResNet18Defaults { get; } = new();

    /// <summary>
    /// CPU-sized recipe for the compact model: 15 epochs, lr 0.1, batch 128 (about 7 minutes for 60k
    /// Fashion-MNIST images on two idle cores). 8 epochs reached only 91.1 % test accuracy with the
    /// RandomCrop(pad 4) + flip augmentation, below the 92 % target.
    /// </summary>
    public static TrainOptions CompactDefaults { get; } = new() { Epochs = 15 };

    /// <summary>Names a training job's hyperparameters may use (the same keys as the unlearning methods').</summary>
    public static IReadOnlyList<string> OverridableNames { get; } = ["epochs", "learning_rate", "batch_size"];

    /// <summary>
    /// This recipe (an architecture's <c>DefaultRecipe</c>) with the given values replaced, validated. The one
    /// place where a training request (job queue, job runner, command line) changes the recipe.
    /// </summary>
    /// <exception cref="ArgumentException">A value is out of range (see <see cref="Validate"/>).</exception>
    public TrainOptions WithOverrides(int? epochs = null, double? learningRate = null, int? batchSize = null, long? seed = null)
    {
        var recipe = this with
        {
            Epochs = epochs ?? Epochs,
            LearningRate = learningRate ?? LearningRate,
            BatchSize = batchSize ?? BatchSize,
            Seed = seed ?? Seed,
        };
        recipe.Validate();
        return recipe;
    }

    /// <summary>
    /// As <see cref="WithOverrides(int?, double?, int?, long?)"/> from stored or requested hyperparameters
    /// (<c>epochs</c>, <c>learning_rate</c>, <c>batch_size</c>; names case-insensitive).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, a fractional epoch count or batch size, or a value out of range.</exception>
    public TrainOptions WithOverrides(IReadOnlyDictionary<string, double>? hyperparameters, long? seed = null)
    {
        int? epochs = null, batchSize = null;
        double? learningRate = null;
        foreach (var (k, v) in hyperparameters ?? new Dictionary<string, double>())
        {
            switch (k.ToLowerInvariant())
            {
                case "epochs": epochs = Whole(k, v); break;
                case "learning_rate": learningRate = v; break;
                case "batch_size": batchSize = Whole(k, v); break;
                default:
                    throw new ArgumentException($"Training jobs accept {string.Join(", ", OverridableNames)}; got '{k}' = {v}.", k);
            }
        }
        return WithOverrides(epochs, learningRate, batchSize, seed);

        static int Whole(string name, double v) =>
            double.IsFinite(v) && v == Math.Floor(v) && Math.Abs(v) <= int.MaxValue ? (int)v
                : throw new ArgumentException($"Training jobs need a whole number for {name}; got {v}.", name);
    }

    public void Validate()
    {
        if (Epochs is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be in 1..1000.");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0 || LearningRate > 10) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Learning rate must be a finite number in (0, 10].");
        if (BatchSize is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Batch size must be in 1..65536.");
        if (!double.IsFinite(Momentum) || Momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1).");
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Weight decay must be a finite number ≥ 0.");
        if (!Enum.IsDefined(Schedule)) throw new ArgumentOutOfRangeException(nameof(Schedule), Schedule, "Unknown learning-rate schedule.");
        if (!double.IsFinite(WarmupFraction) || WarmupFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(WarmupFraction), WarmupFraction, "Warm-up fraction must be in [0, 1).");
        if (!double.IsFinite(LabelSmoothing) || LabelSmoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "Label smoothing must be in [0, 1).");
    }
}

/// <summary>Progress of a training run, reported after every batch and at the end of every epoch.</summary>
public sealed record TrainProgress(
    int Epoch,
    int TotalEpochs,
    int Batch,
    int TotalBatches,
    double Loss,
    double Accuracy,
    double LearningRate,
    TimeSpan Elapsed,
    TimeSpan? Eta,
    bool EpochEnd);

/// <summary>Result of a training run: wall time of the training loop and per-epoch loss/accuracy.</summary>
public sealed record TrainResult(double Seconds, IReadOnlyList<(double Loss, double Accuracy)> Epochs, double ImagesPerSecond);
