using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// SalUn (docs/methods.md, "SalUn"): random labelling restricted to the most salient weights. Before timing, a saliency
/// map is computed in eval mode from the first 5 forget batches: the mean |∂(−CE)/∂θ| per weight; globally over
/// all parameters (BN and fc included) the top <c>saliency_kept</c> fraction gets mask 1, the rest 0. Each epoch:
/// a forget pass with every label replaced by a random class ≠ fc, then a retain pass with true labels; every
/// gradient is multiplied by the mask, clipped at 100, and stepped. MultiStepLR([80,120], 0.2).
/// As the original, each batch also runs a no-grad forward in train mode (for its accuracy readout), which updates
/// BatchNorm running statistics a second time.
/// </summary>
public sealed class SalUn : UnlearningMethod<SalUnOptions>
{
    public const string SaliencyKeptName = "saliency_kept";
    public const string SaliencyStage = "Computing Saliency Map";
    public const int SaliencyBatches = 5;
    private const double ClipNorm = 100;

    public override string Name => "SalUn";
    public override string DisplayName => "SalUn";
    public override string Description =>
        "Random labelling of the forget set plus retain training, updating only the weights most salient for the forget class.";

    public override UnlearningResult Run(UnlearningContext context, SalUnOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr0, batchSize, kept, fraction) = options;
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        var subsetRng = context.CreateRandom(2);
        var labelRng = context.CreateRandom(3);
        Training.Trainer.Seed(context.Seed);

        var mask = ComputeSaliencyMask(context, shuffle, batchSize, kept, epochs, progress, cancellation);
        try
        {
            using var optimizer = CreateSgd(model, lr0);
            var parameters = model.parameters().ToArray();
            int perEpoch = BatchCount(context.Split.Forget.Length, batchSize)
                + BatchCount(RetainForEpoch(context, context.CreateRandom(2), fraction).Length, batchSize);
            var loop = new UnlearningLoop(context, progress, cancellation, epochs, perEpoch);
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
                    var (x, _) = context.Train.Batch(batch);
                    Step(x, Labels(context, batch, labelRng, relabelAll: true));
                    loop.AfterBatch();
                }
                foreach (var batch in TensorData.Plan(RetainForEpoch(context, subsetRng, fraction), batchSize, shuffle))
                {
                    loop.BeforeBatch();
                    using var scope = NewDisposeScope();
                    var (x, y) = context.Train.Batch(batch);
                    var readout = Step(x, y);
                    loop.AfterBatch(readout, y);
                }
                loop.EndEpoch(lr);
            }
            return loop.Finish();

            Tensor Step(Tensor x, Tensor y)
            {
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.call(x), y).backward();
                for (int i = 0; i < parameters.Length; i++)
                    parameters[i].grad?.mul_(mask[i]);
                ClipGradients(model, ClipNorm);
                optimizer.step();
                using var noGrad = no_grad();
                return model.call(x);   // the original's accuracy readout (train mode)
            }
        }
        finally
        {
            foreach (var m in mask) m.Dispose();
        }
    }

    /// <summary>
    /// Mask per parameter: 1 where the mean |∂(−CE)/∂θ| over the first <see cref="SaliencyBatches"/> forget batches
    /// is at least the k-th largest value over all parameters, k = ⌊kept·N⌋.
    /// </summary>
    private static Tensor[] ComputeSaliencyMask(UnlearningContext context, Random shuffle, int batchSize, double kept, int epochs,
        IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var model = context.Model;
        var parameters = model.parameters().ToArray();
        var saliency = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        try
        {
            model.eval();
            var batches = TensorData.Plan(context.Split.Forget, batchSize, shuffle).Take(SaliencyBatches).ToArray();
            UnlearningLoop.ReportPreparation(progress, SaliencyStage, epochs, 0, clock.Elapsed, cancellation);
            for (int b = 0; b < batches.Length; b++)
            {
                using var scope = NewDisposeScope();
                var (x, y) = context.Train.Batch(batches[b]);
                model.zero_grad();
                (-nn.functional.cross_entropy(model.call(x), y)).backward();
                using (no_grad())
                    for (int i = 0; i < parameters.Length; i++)
                        if (parameters[i].grad is { } g) saliency[i].add_(g.abs());
                UnlearningLoop.ReportPreparation(progress, SaliencyStage, epochs, (b + 1.0) / batches.Length, clock.Elapsed, cancellation);
            }
            model.zero_grad();
            using var outer = NewDisposeScope();
            using var noGradMask = no_grad();
            var all = cat(saliency.Select(s => s.flatten().div(Math.Max(1, batches.Length))).ToArray());
            long n = all.numel();
            long k = Math.Max(1, (long)Math.Floor(kept * n));
            // Threshold = k-th largest magnitude = (n − k + 1)-th smallest.
            var threshold = all.kthvalue(n - k + 1, 0).values;
            return [.. saliency.Select(s => s.div(Math.Max(1, batches.Length)).ge(threshold).to_type(s.dtype).DetachFromDisposeScope())];
        }
        finally
        {
            foreach (var s in saliency) s.Dispose();
        }
    }
}

/// <summary>Hyperparameters of <see cref="SalUn"/>; compact defaults: see <see cref="HyperparameterAttribute.Compact"/>.</summary>
public sealed record SalUnOptions(
    [Epochs(5, Compact = 2)] int Epochs,
    [LearningRate(0.001, Compact = 0.01)] double LearningRate,
    [BatchSize(128, Compact = 128)] int BatchSize,
    [Hyperparameter(SalUn.SaliencyKeptName, "Salient fraction kept", 0.75, 0.01, 1,
        "Fraction of weights (largest forget-gradient magnitude) that may change; 1 updates all.")]
    double SaliencyKept,
    [RetainFraction(Compact = 0.3)] double RetainFraction);
