using TorchSharp;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// Shared pieces of the built-in methods (docs/methods.md, "Common scaffolding"): the SGD optimizer, the
/// MultiStepLR schedule, random relabelling, retain subsets and the compact-model defaults. Plug-ins may derive
/// from it or implement <see cref="IUnlearningMethod"/> directly.
/// </summary>
public abstract class UnlearningMethodBase : IUnlearningMethod
{
    public const double Momentum = 0.9;
    public const double WeightDecay = 5e-4;

    public abstract string Name { get; }
    public abstract string DisplayName { get; }
    public abstract string Description { get; }
    public abstract IReadOnlyList<HyperparameterSpec> Hyperparameters { get; }

    /// <inheritdoc cref="IUnlearningMethod.ClassWiseOnly"/>
    public virtual bool ClassWiseOnly => false;

    /// <summary>Values that replace the schema defaults for the compact CPU model (<c>compact</c>); null = none.</summary>
    protected virtual IReadOnlyDictionary<string, double>? CompactDefaults => null;

    public IReadOnlyDictionary<string, double> DefaultsFor(string architectureId)
    {
        var defaults = Hyperparameters.ToDictionary(h => h.Name, h => h.Default);
        if (string.Equals(architectureId, ModelCatalog.Compact.Id, StringComparison.OrdinalIgnoreCase) && CompactDefaults is { } compact)
            foreach (var (k, v) in compact) defaults[k] = v;
        return defaults;
    }

    public abstract UnlearningResult Run(UnlearningContext context, IProgress<UnlearningProgress> progress, CancellationToken cancellation);

    /// <summary>SGD(lr, momentum 0.9, weight decay 5e-4), no Nesterov — the optimizer of every method (docs/methods.md, "Common scaffolding").</summary>
    public static optim.Optimizer CreateSgd(Classifier model, double learningRate) =>
        optim.SGD(model.parameters(), learningRate, Momentum, weight_decay: WeightDecay, nesterov: false);

    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = learningRate;
    }

    /// <summary>
    /// MultiStepLR(milestones [80, 120], γ = 0.2) at a 0-based epoch, as the original's GA/SCRUB/SalUn
    /// (effectively constant for the epoch counts used).
    /// </summary>
    public static double MultiStepLr(double learningRate, int epoch) =>
        learningRate * Math.Pow(0.2, (epoch >= 80 ? 1 : 0) + (epoch >= 120 ? 1 : 0));

    /// <summary>A uniformly random class other than <paramref name="excluded"/> (the forget class, or a forget sample's own label).</summary>
    public static int RandomOtherClass(Random rng, int numClasses, int excluded)
    {
        int r = rng.Next(numClasses - 1);
        return r >= excluded ? r + 1 : r;
    }

    /// <summary>The retain indices of one epoch: all of them, or a seeded random subset of the given fraction.</summary>
    public static int[] RetainForEpoch(UnlearningContext context, Random rng, double fraction)
    {
        var retain = context.Split.Retain;
        if (fraction >= 1) return retain;
        int n = Math.Max(1, (int)Math.Round(retain.Length * fraction));
        var copy = (int[])retain.Clone();
        rng.Shuffle(copy);
        var subset = copy[..n];
        Array.Sort(subset);
        return subset;
    }

    public static int BatchCount(int samples, int batchSize) => (samples + batchSize - 1) / batchSize;

    /// <summary>
    /// Labels of the given train samples as a device tensor, with the forget samples (all samples when
    /// <paramref name="relabelAll"/>) replaced by random classes other than their own when <paramref name="relabel"/>
    /// is given. For a class forget set "other than their own" is "other than the forget class", as in the original.
    /// </summary>
    public static Tensor Labels(UnlearningContext context, long[] indices, Random? relabel, bool relabelAll = false)
    {
        var labels = context.Train.Set.Labels;
        var y = new long[indices.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int l = labels[indices[i]];
            y[i] = relabel is not null && (relabelAll || context.Split.IsForget((int)indices[i])) ? RandomOtherClass(relabel, context.NumClasses, l) : l;
        }
        return tensor(y, device: context.Device);
    }

    /// <summary>Clips the global gradient norm (torch.nn.utils.clip_grad_norm_).</summary>
    public static void ClipGradients(Classifier model, double maxNorm) =>
        nn.utils.clip_grad_norm_(model.parameters(), maxNorm);
}
