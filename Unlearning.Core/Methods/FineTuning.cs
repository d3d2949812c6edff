using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// Fine-Tuning (docs/methods.md, "Fine-Tuning"): train on the retain set only with cross-entropy, cosine-annealed per epoch,
/// and let the forget class fade by catastrophic forgetting. Difference from the original (stated there too): the cosine
/// schedule ends at <c>eta_min</c> = 0 by default, so it never raises the learning rate.
/// </summary>
public sealed class FineTuning : UnlearningMethod<FineTuningOptions>
{
    public const string EtaMinName = "eta_min";

    public override string Name => "FineTuning";
    public override string DisplayName => "Fine-Tuning";
    public override string Description =>
        "Keeps training on the retain set only (cross-entropy, cosine learning rate); the forget class fades by catastrophic forgetting.";

    public override UnlearningResult Run(UnlearningContext context, FineTuningOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, etaMin, fraction) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        Training.Trainer.Seed(context.Seed);
        using var optimizer = CreateSgd(model, lr0);

        int perEpoch = BatchCount(RetainForEpoch(context, context.CreateRandom(2), fraction).Length, batchSize);
        var subsetRng = context.CreateRandom(2);
        var loop = new UnlearningLoop(context, progress, cancellation, epochs, perEpoch);
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            // CosineAnnealingLR(T_max = epochs, eta_min) stepped per epoch.
            double lr = Training.Trainer.CosineLr(lr0, etaMin, epoch, epochs);
            SetLearningRate(optimizer, lr);
            model.train();
            foreach (var batch in TensorData.Plan(RetainForEpoch(context, subsetRng, fraction), batchSize, shuffle))
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, y) = context.Train.Batch(batch);
                optimizer.zero_grad();
                var logits = model.call(x);
                nn.functional.cross_entropy(logits, y).backward();
                optimizer.step();
                loop.AfterBatch(logits, y);
            }
            loop.EndEpoch(lr);
        }
        return loop.Finish();
    }
}

/// <summary>Hyperparameters of <see cref="FineTuning"/>; compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.</summary>
public sealed record FineTuningOptions(
    [Epochs(10, Compact = 2)] int Epochs,
    [LearningRate(0.01, Compact = 0.05)] double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(FineTuning.EtaMinName, "Final learning rate (η_min)", 0, 0, 1,
        "Learning rate the cosine schedule reaches after the last epoch. The original used 0.01, which raises the rate when the learning rate is below 0.01.")]
    double EtaMin,
    [RetainFraction(Compact = 0.5)] double RetainFraction);
