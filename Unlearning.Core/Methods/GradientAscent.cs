using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// Gradient Ascent (docs/methods.md, "Gradient Ascent"): maximise the cross-entropy of the forget set (loss = −CE on the true
/// labels), gradient norm clipped at 100; MultiStepLR([80, 120], 0.2) per epoch. Touches no retain data.
/// </summary>
public sealed class GradientAscent : UnlearningMethod<GradientAscentOptions>
{
    public const string MaxGradNormName = "max_grad_norm";

    public override string Name => "GradientAscent";
    public override string DisplayName => "Gradient Ascent";
    public override string Description =>
        "Pushes the model away from the forget set by ascending its cross-entropy; uses no retain data.";

    public override UnlearningResult Run(UnlearningContext context, GradientAscentOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, clip) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        Training.Trainer.Seed(context.Seed);
        using var optimizer = CreateSgd(model, lr0);

        var loop = new UnlearningLoop(context, progress, cancellation, epochs, BatchCount(context.Split.Forget.Length, batchSize));
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            double lr = MultiStepLr(lr0, epoch);
            SetLearningRate(optimizer, lr);
            model.train();
            foreach (var batch in TensorData.Plan(context.Split.Forget, batchSize, shuffle))
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, y) = context.Train.Batch(batch);
                optimizer.zero_grad();
                (-nn.functional.cross_entropy(model.call(x), y)).backward();
                ClipGradients(model, clip);
                optimizer.step();
                loop.AfterBatch();
            }
            loop.EndEpoch(lr);
        }
        return loop.Finish();
    }
}

/// <summary>Hyperparameters of <see cref="GradientAscent"/>; compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.</summary>
public sealed record GradientAscentOptions(
    [Epochs(7, Compact = 1)] int Epochs,
    [LearningRate(0.0001, Compact = 0.00015)] double LearningRate,
    [BatchSize(256, Compact = 256)] int BatchSize,
    [Hyperparameter(GradientAscent.MaxGradNormName, "Gradient clip", 100, 0.01, 1e6, "Largest global gradient norm per step (the original: 100).")]
    double MaxGradNorm);
