using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// Selective Synaptic Dampening (Foster, Schoepf, Brintrup, "Fast Machine Unlearning Without Retraining Through Selective
/// Synaptic Dampening", AAAI 2024; docs/methods.md, "SSD"): retrain-free. Two diagonal Fisher approximations,
/// []_D on the train data and []_Df on the forget set, each Σ_batches (∂CE_batch-mean/∂θ)² / number of batches with the
/// model in eval mode; then every parameter element that is much more important to the forget set than to the whole
/// data, []_Df,i &gt; α·[]_D,i, is scaled by β_i = min(λ·[]_D,i / []_Df,i, 1). The batches of []_D are formed class by
/// class, as the authors' class-ordered loader forms them. No optimizer runs and the batch-norm running statistics stay as
/// they are (eval mode throughout); batch-norm weights and biases are parameters like the others and may be dampened. The
/// run reports a single "epoch" (the dampening step) and its RT covers both importance passes, the dampening and the
/// forget-set evaluation: SSD's whole cost.
/// </summary>
public sealed class SelectiveSynapticDampening : UnlearningMethod<SsdOptions>
{
    public const string SelectionWeightName = "selection_weight";
    public const string DampeningConstantName = "dampening_constant";
    public const string ImportanceFractionName = "importance_fraction";

    public override string Name => "SSD";
    public override string DisplayName => "SSD";
    public override string Description =>
        "Retrain-free: scales down the weights that matter far more to the forget set than to the whole training data (Fisher importances).";

    public override UnlearningResult Run(UnlearningContext context, SsdOptions options, IProgress<UnlearningProgress> progress, CancellationToken cancellation)
    {
        var (batchSize, alpha, lambda, fraction) = options;
        var model = context.Model;
        var forgetBatches = TensorData.Plan(context.Split.Forget, batchSize, null);
        var fullBatches = TensorData.Plan(ImportanceSamples(context, fraction), batchSize, null);

        // No training epochs: the importance passes and the dampening count as one "epoch", so the per-epoch log,
        // the progress and the cancellation contract hold. The clock starts here because they are SSD's whole cost.
        var loop = new UnlearningLoop(context, progress, cancellation, 1, forgetBatches.Length + fullBatches.Length);
        loop.Start();
        model.eval();
        var parameters = model.parameters().ToArray();
        Tensor[]? forgetImportance = null, fullImportance = null;
        try
        {
            forgetImportance = Importance(model, context.Train, forgetBatches, loop);
            fullImportance = Importance(model, context.Train, fullBatches, loop);
            loop.BeforeBatch();
            using (no_grad())
                for (int i = 0; i < parameters.Length; i++)
                {
                    using var scope = NewDisposeScope();
                    parameters[i].copy_(Dampen(parameters[i], fullImportance[i], forgetImportance[i], alpha, lambda));
                }
        }
        finally
        {
            foreach (var t in (forgetImportance ?? []).Concat(fullImportance ?? [])) t.Dispose();
        }
        loop.EndEpoch(0);
        return loop.Finish();
    }

    /// <summary>
    /// The SSD update of one parameter tensor (docs/methods.md, "SSD"): θ_i·β_i with β_i = min(λ·[]_D,i / []_Df,i, 1) where
    /// []_Df,i &gt; α·[]_D,i, else θ_i unchanged. Returns a new tensor; the inputs are not modified.
    /// </summary>
    /// <param name="weights">θ.</param>
    /// <param name="fullImportance">[]_D, the importance on the train data, same shape as θ.</param>
    /// <param name="forgetImportance">[]_Df, the importance on the forget set, same shape as θ.</param>
    /// <param name="selectionWeight">α.</param>
    /// <param name="dampeningConstant">λ.</param>
    public static Tensor Dampen(Tensor weights, Tensor fullImportance, Tensor forgetImportance, double selectionWeight, double dampeningConstant)
    {
        using var scope = NewDisposeScope();
        var selected = forgetImportance.gt(fullImportance * selectionWeight);
        // Where not selected the ratio may be 0/0; where() discards it.
        var factor = (fullImportance * dampeningConstant / forgetImportance).clamp_max(1);
        return where(selected, weights * factor, weights).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The samples of []_D: the whole train set (forget and retain), or a seeded random subset of the given fraction,
    /// ordered by class (then index) so that the batches are formed class by class, as the authors' loader concatenates
    /// its class-wise lists without shuffling (docs/methods.md, "SSD").
    /// </summary>
    public static int[] ImportanceSamples(UnlearningContext context, double fraction)
    {
        var all = Enumerable.Range(0, context.Train.Count).ToArray();
        if (fraction < 1)
        {
            int n = Math.Max(1, (int)Math.Round(all.Length * fraction));
            context.CreateRandom(4).Shuffle(all);
            all = all[..n];
        }
        var labels = context.Train.Set.Labels;
        return [.. all.OrderBy(i => labels[i]).ThenBy(i => i)];
    }

    /// <summary>Σ over batches of (∂CE/∂θ)² divided by the number of batches, per parameter element (eval mode; progress and cancellation per batch).</summary>
    private static Tensor[] Importance(Classifier model, TensorData data, long[][] batches, UnlearningLoop loop)
    {
        var parameters = model.parameters().ToArray();
        var importance = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        try
        {
            foreach (var batch in batches)
            {
                loop.BeforeBatch();
                using var scope = NewDisposeScope();
                var (x, y) = data.Batch(batch);
                model.zero_grad();
                nn.functional.cross_entropy(model.call(x), y).backward();
                using (no_grad())
                    for (int i = 0; i < parameters.Length; i++)
                        if (parameters[i].grad is { } g) importance[i].add_(g.square());
                loop.AfterBatch();
            }
            using (no_grad())
                foreach (var imp in importance) imp.div_(Math.Max(1, batches.Length));
            model.zero_grad();
            return importance;
        }
        catch
        {
            foreach (var imp in importance) imp.Dispose();
            throw;
        }
    }
}

/// <summary>
/// Hyperparameters of <see cref="SelectiveSynapticDampening"/>: the paper's α = 10 and λ = 1 by default, and for the compact
/// model the values calibrated on it (docs/methods.md, "SSD"); see <see cref="HyperparameterAttribute.Compact"/>.
/// </summary>
public sealed record SsdOptions(
    [BatchSize(64)] int BatchSize,
    [Hyperparameter(SelectiveSynapticDampening.SelectionWeightName, "Selection weight (α)", 10, 0.01, 1000,
        "A weight is dampened where its forget-set importance exceeds α times its training-data importance. Selects nothing unless α < 1 / (forget share of the training data), i.e. below 10 for ten balanced classes.",
        Compact = 6)]
    double SelectionWeight,
    [Hyperparameter(SelectiveSynapticDampening.DampeningConstantName, "Dampening constant (λ)", 1, 0, 100,
        "A selected weight is multiplied by min(λ · training-data importance / forget-set importance, 1).", Compact = 2.5)]
    double DampeningConstant,
    [Hyperparameter(SelectiveSynapticDampening.ImportanceFractionName, "Importance fraction", 1, 0.01, 1,
        "Fraction of the training data (a seeded random subset) the training-data importance is computed on, to save time on a CPU; 1 = all, as the paper.")]
    double ImportanceFraction);
