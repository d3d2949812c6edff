using Unlearning.Core.Data;
using Unlearning.Core.Methods;
using static TorchSharp.torch;

namespace SamplePlugin;

/// <summary>
/// A documented template of an own unlearning method. Each epoch it ascends the cross-entropy of the forget set
/// (a few clipped steps), then repairs the model with ordinary cross-entropy on a slice of the retain set.
/// <para>How to write yours:</para>
/// <list type="number">
/// <item>Declare your hyperparameters as one options record (<see cref="GAThenFTOptions"/>): one parameter per
/// hyperparameter, each with an attribute that gives its stored name, default, range and help
/// (<c>[Epochs]</c>, <c>[LearningRate]</c>, <c>[BatchSize]</c>, <c>[RetainFraction]</c> for the common ones,
/// <c>[Hyperparameter(...)]</c> for your own). The build dialog, the API (<c>GET /api/methods</c>), the command line
/// (<c>--hp.NAME VALUE</c>) and the validation all read that record.</item>
/// <item>Make a public class with a parameterless constructor deriving from <see cref="UnlearningMethod{TOptions}"/>
/// (it brings the SGD optimizer and helpers) and give it a unique <see cref="Name"/> (stored with every result).
/// Your <c>Run</c> receives the options parsed and checked.</item>
/// <item>In <c>Run</c>, change <c>context.Model</c> in place. Use an <see cref="UnlearningLoop"/>: call
/// <c>Start()</c> when preparation is over (RT starts there), <c>BeforeBatch()</c>/<c>AfterBatch()</c> around every
/// batch (cancellation and progress) and <c>EndEpoch(lr)</c> after every epoch (forget-set evaluation).</item>
/// <item>Open a dispose scope per batch (<c>using var scope = NewDisposeScope();</c>); native tensor memory is not
/// seen by the .NET garbage collector. Do not <c>await</c> inside <c>Run</c>: it runs on a job thread.</item>
/// <item>Take randomness only from <c>context.CreateRandom(n)</c> / <c>context.Seed</c>, so runs are reproducible.</item>
/// </list>
/// </summary>
public sealed class GradientAscentThenFineTune : UnlearningMethod<GAThenFTOptions>
{
    public const string AscentStepsName = "ascent_steps";

    public override string Name => "GAThenFT";
    public override string DisplayName => "GA then FT (sample plug-in)";
    public override string Description =>
        "Sample plug-in: per epoch, a few gradient-ascent steps on the forget set, then fine-tuning on part of the retain set.";

    public override UnlearningResult Run(UnlearningContext context, GAThenFTOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (epochs, lr, batchSize, ascentSteps, fraction) = options;
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

/// <summary>The sample's hyperparameters: the record is the whole declaration (schema, defaults, validation).</summary>
public sealed record GAThenFTOptions(
    [Epochs(2)] int Epochs,
    [LearningRate(0.01)] double LearningRate,
    [BatchSize(64)] int BatchSize,
    [Hyperparameter(GradientAscentThenFineTune.AscentStepsName, "Ascent steps per epoch", 5, 0, 1000,
        "Gradient-ascent batches on the forget set at the start of each epoch.")]
    int AscentSteps,
    [RetainFraction(0.5)] double RetainFraction);
