using TorchSharp;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// Freezing the first k and re-initialising the last k layer groups of the model (<see cref="Classifier.LayerGroups"/>), offered
/// by every method that derives from <see cref="UnlearningMethod{TOptions}"/> (docs/methods.md, "Layer groups: freezing and
/// re-initialising"). The original accepts <c>freeze_first_k_layers</c> / <c>reinit_last_k_layers</c> and ignores them; here they
/// work. 0 / 0 leaves a run exactly as it was: nothing is touched, not even LibTorch's random generator.
/// </summary>
/// <param name="FreezeFirst">Groups, counted from the input, that get no gradient and keep their batch-norm statistics.</param>
/// <param name="ReinitializeLast">Groups, counted from the classifier head, reset to PyTorch's default initialisation before the run.</param>
public sealed record LayerGroupOptions(int FreezeFirst, int ReinitializeLast)
{
    public const string FreezeName = "freeze_first_k_layers";
    public const string ReinitializeName = "reinit_last_k_layers";

    /// <summary>
    /// Largest k the schema accepts: the number of layer groups of the largest built-in architecture (ResNet-18: 10). A run
    /// checks k against its own model's groups (the compact model has 7).
    /// </summary>
    public const int MaxGroups = 10;

    public static readonly LayerGroupOptions None = new(0, 0);

    public bool IsNone => FreezeFirst == 0 && ReinitializeLast == 0;

    /// <summary>True for the two names these options own.</summary>
    public static bool Owns(string name) =>
        name.Equals(FreezeName, StringComparison.OrdinalIgnoreCase) || name.Equals(ReinitializeName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The two hyperparameters, appended to every method's schema; <paramref name="reinitializeDefault"/> is the method's own default.</summary>
    public static IReadOnlyList<HyperparameterSpec> Specs(int reinitializeDefault) =>
    [
        new(FreezeName, "Freeze first k layer groups", HyperparameterType.Int, 0, 0, MaxGroups,
            "Layer groups, from the input, that are not updated and keep their batch-norm statistics (compact: stem, layer1.0, layer2.0, " +
            "layer2.1, layer3.0, layer3.1, fc; ResNet-18: conv1, layer1.0 … layer4.1, fc). Frozen and re-initialised groups may not overlap."),
        new(ReinitializeName, "Re-initialise last k layer groups", HyperparameterType.Int, reinitializeDefault, 0, MaxGroups,
            "Layer groups, from the classifier head, reset to a fresh initialisation before the run (3 = layer3.0, layer3.1, fc on compact; " +
            "layer4.0, layer4.1, fc on ResNet-18). Teachers and second-logit labels still come from the unchanged base model."),
    ];

    /// <summary>The options in a run's checked hyperparameter values (a missing name counts as 0).</summary>
    public static LayerGroupOptions From(IReadOnlyDictionary<string, double> values) =>
        new(values.TryGetValue(FreezeName, out var f) ? checked((int)f) : 0, values.TryGetValue(ReinitializeName, out var r) ? checked((int)r) : 0);

    /// <summary>The frozen and the re-initialised groups of <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">A k is negative or above the model's number of groups, or the two overlap (k₁ + k₂ above the number of groups).</exception>
    public (LayerGroup[] Frozen, LayerGroup[] Reinitialized) Select(Classifier model, string owner)
    {
        var groups = model.LayerGroups;
        string list = string.Join(", ", groups.Select(g => g.Name));
        foreach (var (name, k) in new[] { (FreezeName, FreezeFirst), (ReinitializeName, ReinitializeLast) })
            if (k < 0 || k > groups.Count)
                throw new ArgumentException($"{owner}: {name} must be between 0 and {groups.Count}, the number of layer groups of this model ({list}). Got {k}.", name);
        // A group both frozen and re-initialised would stay random: refuse rather than pick one.
        if (FreezeFirst + ReinitializeLast > groups.Count)
            throw new ArgumentException($"{owner}: {FreezeName} ({FreezeFirst}) + {ReinitializeName} ({ReinitializeLast}) exceeds the {groups.Count} layer groups of this model ({list}); " +
                "a group cannot be both frozen and re-initialised.", FreezeName);
        return ([.. groups.Take(FreezeFirst)], [.. groups.Skip(groups.Count - ReinitializeLast)]);
    }
}

/// <summary>
/// Applies <see cref="LayerGroupOptions"/> to a run's model and undoes the freezing when disposed (docs/methods.md, "Layer groups:
/// freezing and re-initialising"). Re-initialisation: the base model's weights are kept first (<see cref="UnlearningContext.CreateFrozenCopy"/>
/// still returns the base model), LibTorch is seeded with the run's seed, then every convolution and linear layer of the groups
/// draws weight and bias from U(−1/√fan_in, 1/√fan_in) (PyTorch's default) and every batch norm gets weight 1, bias 0 and fresh
/// running statistics. Freezing: the groups' parameters get <c>requires_grad = false</c> (no gradient, so no optimizer, weight
/// decay or momentum step touches them) and their batch norms stay in eval mode (<see cref="Classifier.KeepInEvalMode"/>).
/// </summary>
public sealed class LayerGroupSurgery : IDisposable
{
    private readonly UnlearningContext _context;
    private readonly List<TorchSharp.Modules.Parameter> _frozen = [];

    private LayerGroupSurgery(UnlearningContext context) => _context = context;

    /// <exception cref="ArgumentException">See <see cref="LayerGroupOptions.Select"/>.</exception>
    public static LayerGroupSurgery Apply(UnlearningContext context, LayerGroupOptions options, string owner)
    {
        var model = context.Model;
        var (frozen, reinitialized) = options.Select(model, owner);
        var surgery = new LayerGroupSurgery(context);
        if (reinitialized.Length > 0)
        {
            context.KeepBaseState();
            Training.Trainer.Seed(context.Seed);
            Reinitialize(model, reinitialized);
        }
        if (frozen.Length > 0)
        {
            foreach (var (name, p) in model.named_parameters())
                if (frozen.Any(g => g.Contains(name)))
                {
                    p.requires_grad = false;
                    surgery._frozen.Add(p);
                }
            model.KeepInEvalMode(model.named_modules().Where(m => m.module is TorchSharp.Modules.BatchNorm && frozen.Any(g => g.Contains(m.name))).Select(m => m.module));
        }
        context.FrozenGroups = frozen;
        context.ReinitializedGroups = reinitialized;
        return surgery;
    }

    /// <summary>Resets every convolution, linear layer and batch norm in <paramref name="groups"/> as PyTorch initialises a fresh one.</summary>
    /// <exception cref="InvalidOperationException">A group holds a module with parameters of another kind.</exception>
    public static void Reinitialize(Classifier model, IReadOnlyList<LayerGroup> groups)
    {
        using var noGrad = no_grad();
        foreach (var (name, module) in model.named_modules())
        {
            if (!groups.Any(g => g.Contains(name))) continue;
            var own = module.named_parameters(recurse: false).ToList();
            switch (module)
            {
                case TorchSharp.Modules.BatchNorm bn:
                    foreach (var (pn, p) in own)
                        if (pn == "weight") p.fill_(1); else p.zero_();
                    foreach (var (bname, b) in bn.named_buffers(recurse: false))
                        if (bname == "running_var") b.fill_(1); else b.zero_();
                    break;
                case TorchSharp.Modules.Conv2d or TorchSharp.Modules.Linear:
                    // kaiming_uniform_(a = √5) on the weight and the bias rule both give the bound 1/√fan_in.
                    var weight = own.Single(p => p.name == "weight").parameter;
                    double bound = 1 / Math.Sqrt(weight.numel() / weight.shape[0]);
                    foreach (var (_, p) in own) p.uniform_(-bound, bound);
                    break;
                default:
                    if (own.Count > 0)
                        throw new InvalidOperationException($"Cannot re-initialise '{name}' ({module.GetType().Name}): only convolutions, linear layers and batch norms are supported.");
                    break;
            }
        }
    }

    public void Dispose()
    {
        foreach (var p in _frozen) p.requires_grad = true;
        if (_frozen.Count > 0) _context.Model.KeepInEvalMode([]);
        _context.ReleaseBaseState();
    }
}
