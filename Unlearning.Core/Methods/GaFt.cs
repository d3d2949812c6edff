using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// GA+FT (docs/methods.md, "GA+FT"), the original's API-only method: re-initialise the last 3 layer groups (ResNet-18: layer4.0,
/// layer4.1, fc; compact: layer3.0, layer3.1, fc), fine-tune one warm-up epoch on the retain set, then each epoch a gradient-ascent
/// pass over the forget set (learning rate × <c>ga_lr_factor</c>, batch × <c>ga_batch_factor</c>, −CE, clipped) followed by a
/// fine-tuning pass over the retain set. Two SGD optimizers, each cosine-annealed per epoch (T_max = epochs) towards
/// <c>eta_min</c> (the ascent's towards <c>eta_min</c> × <c>ga_lr_factor</c>). With <c>reinit_last_k_layers</c> = 0 there is no
/// warm-up epoch, as the original.
/// </summary>
public sealed class GaFt : UnlearningMethod<GaFtOptions>
{
    public const string GaLrFactorName = "ga_lr_factor";
    public const string GaBatchFactorName = "ga_batch_factor";
    public const string AugmentName = "augment";

    /// <summary>The original re-initialises the last 3 layer groups (docs/methods.md, "GA+FT").</summary>
    public const int ReinitializedGroupsDefault = 3;

    public override string Name => "GAFT";
    public override string DisplayName => "GA+FT";
    public override string Description =>
        "Re-initialises the last 3 layer groups (compact: layer3.0, layer3.1, fc; ResNet-18: layer4.0, layer4.1, fc), fine-tunes one warm-up " +
        "epoch on the retain set, then alternates gradient ascent on the forget set (large batches, a small rate) with fine-tuning on the retain set.";

    protected override int DefaultReinitializedGroups => ReinitializedGroupsDefault;

    public override UnlearningResult Run(UnlearningContext context, GaFtOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, gaLrFactor, gaBatchFactor, etaMin, clip, augment, fraction) = options;
        var model = context.Model;
        var retainShuffle = context.CreateRandom(GuidedUnlearning.RetainShuffleStream);
        var subsetRng = context.CreateRandom(GuidedUnlearning.RetainSubsetStream);
        var forgetShuffle = context.CreateRandom(GuidedUnlearning.ForgetShuffleStream);
        var augmentRng = augment ? context.CreateRandom(GuidedUnlearning.AugmentStream) : null;
        Training.Trainer.Seed(context.Seed);
        using var gaOptimizer = CreateSgd(model, lr0 * gaLrFactor);
        using var ftOptimizer = CreateSgd(model, lr0);

        bool warmUp = context.ReinitializedGroups.Count > 0;
        int gaBatch = checked(batchSize * gaBatchFactor);
        int perEpoch = BatchCount(context.Split.Forget.Length, gaBatch)
            + BatchCount(RetainForEpoch(context, context.CreateRandom(GuidedUnlearning.RetainSubsetStream), fraction).Length, batchSize);
        var loop = new UnlearningLoop(context, progress, cancellation, epochs + (warmUp ? 1 : 0), perEpoch);
        loop.Start();
        if (warmUp)
        {
            // Phase 0: one fine-tuning epoch lets the re-initialised groups fit the retain set before any ascent.
            model.train();
            GuidedUnlearning.Descend(context, ftOptimizer, RetainForEpoch(context, subsetRng, fraction), batchSize, retainShuffle, augmentRng, loop);
            loop.EndEpoch(lr0);
        }
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            double gaLr = Training.Trainer.CosineLr(lr0 * gaLrFactor, etaMin * gaLrFactor, epoch, epochs);
            double ftLr = Training.Trainer.CosineLr(lr0, etaMin, epoch, epochs);
            SetLearningRate(gaOptimizer, gaLr);
            SetLearningRate(ftOptimizer, ftLr);
            model.train();
            GuidedUnlearning.Ascend(context, gaOptimizer, context.Split.Forget, gaBatch, forgetShuffle, augmentRng, clip, loop);
            GuidedUnlearning.Descend(context, ftOptimizer, RetainForEpoch(context, subsetRng, fraction), batchSize, retainShuffle, augmentRng, loop);
            loop.EndEpoch(ftLr);
        }
        return loop.Finish();
    }
}

/// <summary>Hyperparameters of <see cref="GaFt"/>; the original's values (docs/methods.md, "GA+FT"), compact ones calibrated there.</summary>
public sealed record GaFtOptions(
    [Epochs(4, Compact = 2)] int Epochs,
    [LearningRate(0.01, Compact = 0.01)] double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(GaFt.GaLrFactorName, "Ascent learning-rate factor", 0.05, 1e-6, 10,
        "The gradient-ascent pass runs at this multiple of the learning rate (the original: 0.05).")]
    double GaLrFactor,
    [Hyperparameter(GaFt.GaBatchFactorName, "Ascent batch factor", 32, 1, 256,
        "The gradient-ascent pass uses batches of this multiple of the batch size (the original: 32, i.e. 4,096 at batch 128).")]
    int GaBatchFactor,
    [Hyperparameter(FineTuning.EtaMinName, "Final learning rate (η_min)", 0.003, 0, 1,
        "Rate the fine-tuning cosine schedule reaches after the last epoch (the ascent's: η_min × the ascent factor). The original's 0.003 raises the rate when the learning rate is below it.")]
    double EtaMin,
    [Hyperparameter(GradientAscent.MaxGradNormName, "Gradient clip", 100, 0.01, 1e6, "Largest global gradient norm per ascent step (the original: 100).")]
    double MaxGradNorm,
    [Hyperparameter(GaFt.AugmentName, "Augmentation", 1, 0, 1,
        "1 = random crop + flip on every batch, as the original's GA+FT (the ResNet-18 default); 0 = the plain images, as the other methods (the compact default: better test accuracy in its calibration, and no GC-heavy copies).", Compact = 0)]
    bool Augment,
    [RetainFraction(Compact = 0.5)] double RetainFraction);
