using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// NegGrad+ (Kurmanji et al., "Towards Unbounded Machine Unlearning", NeurIPS 2023; docs/methods.md, "NegGrad+"):
/// every step descends the joint loss α·CE(retain batch) − (1 − α)·CE(forget batch), so the model forgets the forget
/// set while the retain term holds its accuracy. Each retain batch is paired with the next batch of a reshuffled,
/// cycling pass over the forget set; the global gradient norm is clipped (as Gradient Ascent, the negative term is
/// unbounded); MultiStepLR([80, 120], 0.2) per epoch as the other built-ins.
/// </summary>
public sealed class NegGradPlus : UnlearningMethod<NegGradPlusOptions>
{
    public const string AlphaName = "alpha";

    public override string Name => "NegGradPlus";
    public override string DisplayName => "NegGrad+";
    public override string Description =>
        "Descends α·CE on retain batches minus (1 − α)·CE on forget batches in the same step: forgetting with an explicit retain anchor.";

    public override UnlearningResult Run(UnlearningContext context, NegGradPlusOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, alpha, clip, fraction) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        var forgetShuffle = context.CreateRandom(3);
        Training.Trainer.Seed(context.Seed);
        using var optimizer = CreateSgd(model, lr0);

        int perEpoch = BatchCount(RetainForEpoch(context, context.CreateRandom(2), fraction).Length, batchSize);
        var subsetRng = context.CreateRandom(2);
        var forget = new Queue<long[]>();
        var loop = new UnlearningLoop(context, progress, cancellation, epochs, perEpoch);
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            double lr = MultiStepLr(lr0, epoch);
            SetLearningRate(optimizer, lr);
            model.train();
            foreach (var batch in TensorData.Plan(RetainForEpoch(context, subsetRng, fraction), batchSize, shuffle))
            {
                loop.BeforeBatch();
                if (forget.Count == 0)
                    foreach (var b in TensorData.Plan(context.Split.Forget, batchSize, forgetShuffle)) forget.Enqueue(b);
                using var scope = NewDisposeScope();
                var (xr, yr) = context.Train.Batch(batch);
                var (xf, yf) = context.Train.Batch(forget.Dequeue());
                optimizer.zero_grad();
                var retainLogits = model.call(xr);
                JointLoss(retainLogits, yr, model.call(xf), yf, alpha).backward();
                ClipGradients(model, clip);
                optimizer.step();
                loop.AfterBatch(retainLogits, yr);
            }
            loop.EndEpoch(lr);
        }
        return loop.Finish();
    }

    /// <summary>The NegGrad+ objective α·CE(retain) − (1 − α)·CE(forget), each cross-entropy the batch mean.</summary>
    public static Tensor JointLoss(Tensor retainLogits, Tensor retainLabels, Tensor forgetLogits, Tensor forgetLabels, double alpha) =>
        alpha * nn.functional.cross_entropy(retainLogits, retainLabels) - (1 - alpha) * nn.functional.cross_entropy(forgetLogits, forgetLabels);
}

/// <summary>Hyperparameters of <see cref="NegGradPlus"/>; compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.</summary>
public sealed record NegGradPlusOptions(
    [Epochs(5, Compact = 2)] int Epochs,
    [LearningRate(0.01, Compact = 0.01)] double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(NegGradPlus.AlphaName, "Retain weight (α)", 0.99, 0, 1,
        "Weight of the retain cross-entropy; the forget cross-entropy is ascended with weight 1 − α.")]
    double Alpha,
    [Hyperparameter(GradientAscent.MaxGradNormName, "Gradient clip", 100, 0.01, 1e6, "Largest global gradient norm per step.")]
    double MaxGradNorm,
    [RetainFraction(Compact = 0.3)] double RetainFraction);
