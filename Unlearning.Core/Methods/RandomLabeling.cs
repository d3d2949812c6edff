using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// Random Labeling (REFERENCE §3.3): train with cross-entropy on retain ∪ forget, shuffled together, where every
/// forget-class label is replaced by a uniformly random other class. Constant learning rate (the original's
/// scheduler is never stepped), no clipping. Difference (SPEC §4): the random labels come from a generator seeded
/// with the run's seed, so runs are reproducible.
/// </summary>
public sealed class RandomLabeling : UnlearningMethodBase
{
    public override string Name => "RandomLabeling";
    public override string DisplayName => "Random Labeling";
    public override string Description =>
        "Trains on retain and forget data together, with each forget image given a random wrong class.";

    public override IReadOnlyList<HyperparameterSpec> Hyperparameters { get; } =
    [
        HyperparameterSpec.Epochs(3),
        HyperparameterSpec.LearningRate(0.001),
        HyperparameterSpec.BatchSize(64),
        HyperparameterSpec.RetainFraction(),
    ];

    protected override IReadOnlyDictionary<string, double> CompactDefaults => CompactDefaultsTable.RandomLabeling;

    public override UnlearningResult Run(UnlearningContext context, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        int epochs = context.GetInt(HyperparameterSpec.EpochsName);
        double lr = context.Get(HyperparameterSpec.LearningRateName);
        int batchSize = context.GetInt(HyperparameterSpec.BatchSizeName);
        double fraction = context.Get(HyperparameterSpec.RetainFractionName);
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
