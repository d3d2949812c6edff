using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// GA+SL+FT V2 (docs/methods.md, "GA+SL+FT V2"): GA+SL+FT with a gentler, smaller-batch ascent (batch × 8) and η_min 0.001, and
/// with the second-logit and the retain passes merged: the fixed forget images with their second-logit labels and the retain
/// samples with their true labels are shuffled into one "mixed" set, trained with one optimizer at the learning rate. The
/// warm-up epoch (after re-initialising the last 3 layer groups) fine-tunes on the retain set with that optimizer.
/// </summary>
public sealed class GaSlFtV2 : UnlearningMethod<GaSlFtV2Options>
{
    public override string Name => "GASLFTV2";
    public override string DisplayName => "GA+SL+FT V2";
    public override string Description =>
        "GA+SL+FT with a smaller-batch ascent and the second-logit and retain passes merged into one shuffled mixed pass; re-initialises the " +
        "last 3 layer groups (compact: layer3.0, layer3.1, fc; ResNet-18: layer4.0, layer4.1, fc) and warms up on the retain set first.";

    protected override int DefaultReinitializedGroups => GaFt.ReinitializedGroupsDefault;

    public override UnlearningResult Run(UnlearningContext context, GaSlFtV2Options options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, gaLrFactor, gaBatchFactor, etaMin, clip, augment, fraction) = options;
        var model = context.Model;
        var retainShuffle = context.CreateRandom(GuidedUnlearning.RetainShuffleStream);
        var subsetRng = context.CreateRandom(GuidedUnlearning.RetainSubsetStream);
        var forgetShuffle = context.CreateRandom(GuidedUnlearning.ForgetShuffleStream);
        var augmentRng = augment ? context.CreateRandom(GuidedUnlearning.AugmentStream) : null;
        Training.Trainer.Seed(context.Seed);
        using var gaOptimizer = CreateSgd(model, lr0 * gaLrFactor);
        using var mixedOptimizer = CreateSgd(model, lr0 * GaSlFt.SecondLogitLrFactor);

        bool warmUp = context.ReinitializedGroups.Count > 0;
        int gaBatch = checked(batchSize * gaBatchFactor);
        int forgetCount = context.Split.Forget.Length;
        int perEpoch = BatchCount(forgetCount, gaBatch)
            + BatchCount(forgetCount + RetainForEpoch(context, context.CreateRandom(GuidedUnlearning.RetainSubsetStream), fraction).Length, batchSize);
        var loop = new UnlearningLoop(context, progress, cancellation, epochs + (warmUp ? 1 : 0), perEpoch);
        loop.Start();
        var secondLogit = GuidedUnlearning.SecondLogitSet(context, augmentRng, cancellation);
        try
        {
            if (warmUp)
            {
                model.train();
                GuidedUnlearning.Descend(context, mixedOptimizer, RetainForEpoch(context, subsetRng, fraction), batchSize, retainShuffle, augmentRng, loop);
                loop.EndEpoch(lr0);
            }
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                double mixedLr = Training.Trainer.CosineLr(lr0 * GaSlFt.SecondLogitLrFactor, etaMin * GaSlFt.SecondLogitLrFactor, epoch, epochs);
                SetLearningRate(gaOptimizer, Training.Trainer.CosineLr(lr0 * gaLrFactor, etaMin * gaLrFactor, epoch, epochs));
                SetLearningRate(mixedOptimizer, mixedLr);
                model.train();
                GuidedUnlearning.Ascend(context, gaOptimizer, context.Split.Forget, gaBatch, forgetShuffle, augmentRng, clip, loop);
                GuidedUnlearning.DescendMixed(context, mixedOptimizer, secondLogit, RetainForEpoch(context, subsetRng, fraction), batchSize, retainShuffle, augmentRng, loop);
                loop.EndEpoch(mixedLr);
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

/// <summary>Hyperparameters of <see cref="GaSlFtV2"/>; the original's values (docs/methods.md, "GA+SL+FT V2"), compact ones calibrated there.</summary>
public sealed record GaSlFtV2Options(
    [Epochs(4, Compact = 2)] int Epochs,
    [LearningRate(0.01, Compact = 0.01)] double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(GaFt.GaLrFactorName, "Ascent learning-rate factor", 0.01, 1e-6, 10,
        "The gradient-ascent pass runs at this multiple of the learning rate (the original: 0.01).")]
    double GaLrFactor,
    [Hyperparameter(GaFt.GaBatchFactorName, "Ascent batch factor", 8, 1, 256,
        "The gradient-ascent pass uses batches of this multiple of the batch size (the original: 8, i.e. 1,024 at batch 128).")]
    int GaBatchFactor,
    [Hyperparameter(FineTuning.EtaMinName, "Final learning rate (η_min)", 0.001, 0, 1,
        "Rate the mixed pass's cosine schedule reaches after the last epoch (the ascent's: η_min × the ascent factor). The original's 0.001 raises the rate when the learning rate is below it.")]
    double EtaMin,
    [Hyperparameter(GradientAscent.MaxGradNormName, "Gradient clip", 100, 0.01, 1e6, "Largest global gradient norm per ascent step (the original: 100).")]
    double MaxGradNorm,
    [Hyperparameter(GaFt.AugmentName, "Augmentation", 1, 0, 1,
        "1 = random crop + flip (one fixed draw per forget image for the second-logit labels), as the original (the ResNet-18 default); 0 = the plain images (the compact default).", Compact = 0)]
    bool Augment,
    [RetainFraction(Compact = 0.5)] double RetainFraction);
