using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// GA+SL+FT (docs/methods.md, "GA+SL+FT (guided unlearning)"), the original's API-only method and, we read it, its paper's guided
/// unlearning in three phases:
/// <list type="number">
/// <item>relabelling (inside RT, as the original): each forget image, drawn once through the augmentation, gets the class of the
/// base model's second-highest logit (<see cref="GuidedUnlearning.SecondLogitLabels"/>), computed before any re-initialisation;</item>
/// <item>warm-up: the last 3 layer groups are re-initialised (ResNet-18: layer4.0, layer4.1, fc; compact: layer3.0, layer3.1, fc)
/// and one fine-tuning epoch runs on the retain set;</item>
/// <item>each epoch: forgetting — gradient ascent on the forget set (learning rate × <c>ga_lr_factor</c>, batch ×
/// <c>ga_batch_factor</c>, −CE, clipped), then fine-tuning towards the second-logit labels on the fixed forget images — and
/// recovery — fine-tuning on the retain set.</item>
/// </list>
/// Three SGD optimizers (ascent, second-logit, retain), each cosine-annealed per epoch to η_min times its rate factor.
/// </summary>
public sealed class GaSlFt : UnlearningMethod<GaSlFtOptions>
{
    /// <summary>The second-logit pass runs at the learning rate itself (the original's factor 1.0).</summary>
    public const double SecondLogitLrFactor = 1.0;

    public override string Name => "GASLFT";
    public override string DisplayName => "GA+SL+FT";
    public override string Description =>
        "Guided unlearning: labels each forget image with the base model's second-highest class, re-initialises the last 3 layer groups " +
        "(compact: layer3.0, layer3.1, fc; ResNet-18: layer4.0, layer4.1, fc) and warms up on the retain set, then alternates gradient ascent " +
        "on the forget set, fine-tuning towards the second-logit labels and fine-tuning on the retain set.";

    protected override int DefaultReinitializedGroups => GaFt.ReinitializedGroupsDefault;

    public override UnlearningResult Run(UnlearningContext context, GaSlFtOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, gaLrFactor, gaBatchFactor, etaMin, clip, augment, fraction) = options;
        var model = context.Model;
        var retainShuffle = context.CreateRandom(GuidedUnlearning.RetainShuffleStream);
        var subsetRng = context.CreateRandom(GuidedUnlearning.RetainSubsetStream);
        var forgetShuffle = context.CreateRandom(GuidedUnlearning.ForgetShuffleStream);
        var slShuffle = context.CreateRandom(GuidedUnlearning.SecondLogitShuffleStream);
        var augmentRng = augment ? context.CreateRandom(GuidedUnlearning.AugmentStream) : null;
        Training.Trainer.Seed(context.Seed);
        using var gaOptimizer = CreateSgd(model, lr0 * gaLrFactor);
        using var slOptimizer = CreateSgd(model, lr0 * SecondLogitLrFactor);
        using var ftOptimizer = CreateSgd(model, lr0);

        bool warmUp = context.ReinitializedGroups.Count > 0;
        int gaBatch = checked(batchSize * gaBatchFactor);
        int forgetCount = context.Split.Forget.Length;
        int perEpoch = BatchCount(forgetCount, gaBatch) + BatchCount(forgetCount, batchSize)
            + BatchCount(RetainForEpoch(context, context.CreateRandom(GuidedUnlearning.RetainSubsetStream), fraction).Length, batchSize);
        var loop = new UnlearningLoop(context, progress, cancellation, epochs + (warmUp ? 1 : 0), perEpoch);
        loop.Start();
        var secondLogit = GuidedUnlearning.SecondLogitSet(context, augmentRng, cancellation);
        try
        {
            if (warmUp)
            {
                model.train();
                GuidedUnlearning.Descend(context, ftOptimizer, RetainForEpoch(context, subsetRng, fraction), batchSize, retainShuffle, augmentRng, loop);
                loop.EndEpoch(lr0);
            }
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                double ftLr = Training.Trainer.CosineLr(lr0, etaMin, epoch, epochs);
                SetLearningRate(gaOptimizer, Training.Trainer.CosineLr(lr0 * gaLrFactor, etaMin * gaLrFactor, epoch, epochs));
                SetLearningRate(slOptimizer, Training.Trainer.CosineLr(lr0 * SecondLogitLrFactor, etaMin * SecondLogitLrFactor, epoch, epochs));
                SetLearningRate(ftOptimizer, ftLr);
                model.train();
                GuidedUnlearning.Ascend(context, gaOptimizer, context.Split.Forget, gaBatch, forgetShuffle, augmentRng, clip, loop);
                GuidedUnlearning.DescendSecondLogit(context, slOptimizer, secondLogit, batchSize, slShuffle, loop);
                GuidedUnlearning.Descend(context, ftOptimizer, RetainForEpoch(context, subsetRng, fraction), batchSize, retainShuffle, augmentRng, loop);
                loop.EndEpoch(ftLr);
            }
            return loop.Finish();
        }
        finally
        {
            secondLogit.Images.Dispose();
            secondLogit.Labels.Dispose();
        }
    }
}

/// <summary>Hyperparameters of <see cref="GaSlFt"/>; the original's values (docs/methods.md, "GA+SL+FT (guided unlearning)"), compact ones calibrated there.</summary>
public sealed record GaSlFtOptions(
    [Epochs(5, Compact = 2)] int Epochs,
    [LearningRate(0.01, Compact = 0.01)] double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(GaFt.GaLrFactorName, "Ascent learning-rate factor", 0.01, 1e-6, 10,
        "The gradient-ascent pass runs at this multiple of the learning rate (the original: 0.01).")]
    double GaLrFactor,
    [Hyperparameter(GaFt.GaBatchFactorName, "Ascent batch factor", 16, 1, 256,
        "The gradient-ascent pass uses batches of this multiple of the batch size (the original: 16, i.e. 2,048 at batch 128).")]
    int GaBatchFactor,
    [Hyperparameter(FineTuning.EtaMinName, "Final learning rate (η_min)", 0.002, 0, 1,
        "Rate the retain cosine schedule reaches after the last epoch (the other passes: η_min × their rate factor). The original's 0.002 raises the rate when the learning rate is below it.")]
    double EtaMin,
    [Hyperparameter(GradientAscent.MaxGradNormName, "Gradient clip", 100, 0.01, 1e6, "Largest global gradient norm per ascent step (the original: 100).")]
    double MaxGradNorm,
    [Hyperparameter(GaFt.AugmentName, "Augmentation", 1, 0, 1,
        "1 = random crop + flip (one fixed draw per forget image for the second-logit pass), as the original (the ResNet-18 default); 0 = the plain images (the compact default).", Compact = 0)]
    bool Augment,
    [RetainFraction(Compact = 0.5)] double RetainFraction);
