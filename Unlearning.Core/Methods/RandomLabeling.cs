using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// Random Labeling (docs/methods.md, "Random Labeling"): train with cross-entropy on retain ∪ forget, shuffled together, where every
/// forget-class label is replaced by a uniformly random other class. Constant learning rate (the original's
/// scheduler is never stepped), no clipping. Difference (stated there too): the random labels come from a generator seeded
/// with the run's seed, so runs are reproducible.
/// </summary>
public sealed class RandomLabeling : UnlearningMethod<RandomLabelingOptions>
{
    public override string Name => "RandomLabeling";
    public override string DisplayName => "Random Labeling";
    public override string Description =>
        "Trains on retain and forget data together, with each forget image given a random wrong class.";

    public override UnlearningResult Run(UnlearningContext context, RandomLabelingOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr, batchSize, fraction) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        var subsetRng = context.CreateRandom(2);
        var labelRng = context.CreateRandom(3);
        Training.Trainer.Seed(context.Seed);
        using var optimizer = CreateSgd(model, lr);

        int perEpoch = BatchCount(RetainForEpoch(context, context.CreateRandom(2), fraction).Length + context.Split.Forget.Length, batchSize);
        var loop = new UnlearningLoop(context, progress, cancellation, epochs, perEpoch);
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            var samples = RetainForEpoch(context, subsetRng, fraction).Concat(context.Split.Forget).ToArray();
            foreach (var batch in TensorData.Plan(samples, batchSize, shuffle))
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, _) = context.Train.Batch(batch);
                var y = Labels(context, batch, labelRng);
                optimizer.zero_grad();
                var logits = model.call(x);
                nn.functional.cross_entropy(logits, y).backward();
                optimizer.step();
                loop.AfterBatch();
            }
            loop.EndEpoch(lr);
        }
        return loop.Finish();
    }
}

/// <summary>Hyperparameters of <see cref="RandomLabeling"/>; compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.</summary>
public sealed record RandomLabelingOptions(
    [Epochs(3, Compact = 2)] int Epochs,
    [LearningRate(0.001, Compact = 0.01)] double LearningRate,
    [BatchSize(64, Compact = 128)] int BatchSize,
    [RetainFraction(Compact = 0.2)] double RetainFraction);
