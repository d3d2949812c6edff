using Unlearning.Core.Data;
using Unlearning.Core.Methods;
using static TorchSharp.torch;

namespace SamplePlugin;

/// <summary>
/// A documented template of an own unlearning method. Each epoch it ascends the cross-entropy of the forget set
/// (a few clipped steps), then repairs the model with ordinary cross-entropy on a slice of the retain set.
/// <para>How to write yours:</para>
/// <list type="number">
/// <item>Make a public class with a parameterless constructor implementing <see cref="IUnlearningMethod"/>
/// (here via <see cref="UnlearningMethodBase"/>, which brings the SGD optimizer and helpers).</item>
/// <item>Give it a unique <see cref="Name"/> (stored with every result) and a schema of hyperparameters; the build
/// dialog shows them, and <see cref="HyperparameterValidation"/> checks values and fills defaults before
/// <see cref="Run"/> is called, so <c>context.Get(...)</c> always finds them.</item>
/// <item>In <see cref="Run"/>, change <c>context.Model</c> in place. Use an <see cref="UnlearningLoop"/>: call
/// <c>Start()</c> when preparation is over (RT starts there), <c>BeforeBatch()</c>/<c>AfterBatch()</c> around every
/// batch (cancellation and progress) and <c>EndEpoch(lr)</c> after every epoch (forget-set evaluation).</item>
/// <item>Open a dispose scope per batch (<c>using var scope = NewDisposeScope();</c>); native tensor memory is not
/// seen by the .NET garbage collector. Do not <c>await</c> inside <see cref="Run"/>: it runs on a job thread.</item>
/// <item>Take randomness only from <c>context.CreateRandom(n)</c> / <c>context.Seed</c>, so runs are reproducible.</item>
/// </list>
/// </summary>
public sealed class GradientAscentThenFineTune : UnlearningMethodBase
{
    public const string AscentStepsName = "ascent_steps";

    public override string Name => "GAThenFT";
    public override string DisplayName => "GA then FT (sample plug-in)";
    public override string Description =>
        "Sample plug-in: per epoch, a few gradient-ascent steps on the forget set, then fine-tuning on part of the retain set.";

    public override IReadOnlyList<HyperparameterSpec> Hyperparameters { get; } =
    [
        HyperparameterSpec.Epochs(2),
        HyperparameterSpec.LearningRate(0.01),
        HyperparameterSpec.BatchSize(64),
        new(AscentStepsName, "Ascent steps per epoch", HyperparameterType.Int, 5, 0, 1000,
            "Gradient-ascent batches on the forget set at the start of each epoch."),
        HyperparameterSpec.RetainFraction() with { Default = 0.5 },
    ];

    public override UnlearningResult Run(UnlearningContext context, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        int epochs = context.GetInt(HyperparameterSpec.EpochsName);
        int batchSize = context.GetInt(HyperparameterSpec.BatchSizeName);
        int ascentSteps = context.GetInt(AscentStepsName);
        double lr = context.Get(HyperparameterSpec.LearningRateName);
        double fraction = context.Get(HyperparameterSpec.RetainFractionName);
        var model = context.Model;
        var shuffle = context.CreateRandom(1);
        var subsets = context.CreateRandom(2);
        using var optimizer = CreateSgd(model, lr);

        int ascentBatches = Math.Min(ascentSteps, BatchCount(context.Split.Forget.Length, batchSize));
        int retainBatches = BatchCount(RetainForEpoch(context, context.CreateRandom(2), fraction).Length, batchSize);
        var loop = new UnlearningLoop(context, progress, cancellation, epochs, ascentBatches + retainBatches);
        loop.Start();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            foreach (var batch in TensorData.Plan(context.Split.Forget, batchSize, shuffle).Take(ascentBatches))
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, y) = context.Train.Batch(batch);
                optimizer.zero_grad();
                (-nn.functional.cross_entropy(model.call(x), y)).backward();
                ClipGradients(model, 5.0);   // ascent is unbounded: keep each step small
                optimizer.step();
                loop.AfterBatch();
            }
            foreach (var batch in TensorData.Plan(RetainForEpoch(context, subsets, fraction), batchSize, shuffle))
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
