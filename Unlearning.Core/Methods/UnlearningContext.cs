using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;

namespace Unlearning.Core.Methods;

/// <summary>Everything one unlearning run works on.</summary>
public sealed class UnlearningContext
{
    /// <param name="model">A copy of the base model, already on <paramref name="device"/>; the method changes it in place.</param>
    /// <param name="createModel">Makes a fresh model of the same architecture (on the CPU, untrained).</param>
    /// <param name="hyperparameters">The run's stored hyperparameter values (name → value, as in the results JSON); a method
    /// deriving from <see cref="UnlearningMethod{TOptions}"/> reads them as its typed options.</param>
    public UnlearningContext(Classifier model, Func<Classifier> createModel, TensorData train, TensorData test,
        ForgetSplit split, torch.Device device, long seed, IReadOnlyDictionary<string, double> hyperparameters)
    {
        Model = model;
        CreateModel = createModel;
        Train = train;
        Test = test;
        Split = split;
        Device = device;
        Seed = seed;
        Hyperparameters = new Dictionary<string, double>(hyperparameters, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The model being unlearned (a copy of the base model on <see cref="Device"/>).</summary>
    public Classifier Model { get; }

    /// <summary>Makes a fresh, untrained model of the same architecture (e.g. for a frozen teacher: see <see cref="CreateFrozenCopy"/>).</summary>
    public Func<Classifier> CreateModel { get; }

    public TensorData Train { get; }
    public TensorData Test { get; }
    public ForgetSplit Split { get; }
    public torch.Device Device { get; }

    /// <summary>Seed for LibTorch and for the method's shuffling and random labels (default 2048, as the original: docs/methods.md, "Common scaffolding").</summary>
    public long Seed { get; }

    /// <summary>The run's hyperparameter values by stored name; methods read their typed options instead.</summary>
    public IReadOnlyDictionary<string, double> Hyperparameters { get; }

    public int NumClasses => Train.Info.NumClasses;

    /// <summary>
    /// Optional observer of every epoch (the job's "Track per-epoch metrics" option; docs/metrics.md, "Per-epoch metrics"); null = none,
    /// the default. <see cref="UnlearningLoop"/> calls it and keeps its time out of RT.
    /// </summary>
    public IEpochObserver? EpochObserver { get; init; }

    /// <summary>The layer groups frozen for this run (docs/methods.md, "Layer groups: freezing and re-initialising"); empty when none.</summary>
    public IReadOnlyList<LayerGroup> FrozenGroups { get; internal set; } = [];

    /// <summary>The layer groups re-initialised before this run; empty when none (then e.g. GA+FT skips its warm-up epoch).</summary>
    public IReadOnlyList<LayerGroup> ReinitializedGroups { get; internal set; } = [];

    private Dictionary<string, torch.Tensor>? _baseState;

    /// <summary>
    /// A copy of the base model on <see cref="Device"/>, in eval mode, with gradients off (a teacher, or the model that labels
    /// GA+SL+FT's forget images): the current <see cref="Model"/>, or the weights it had before layer groups were re-initialised.
    /// </summary>
    public Classifier CreateFrozenCopy()
    {
        var copy = CreateModel();
        copy.to(Device);
        using (torch.no_grad())
            copy.load_state_dict(_baseState ?? Model.state_dict());
        copy.eval();
        foreach (var p in copy.parameters()) p.requires_grad = false;
        return copy;
    }

    /// <summary>Keeps a copy of the model's current weights as the base model of <see cref="CreateFrozenCopy"/> (before re-initialisation).</summary>
    internal void KeepBaseState()
    {
        ReleaseBaseState();
        using (torch.no_grad())
            _baseState = Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    internal void ReleaseBaseState()
    {
        if (_baseState is null) return;
        foreach (var t in _baseState.Values) t.Dispose();
        _baseState = null;
    }

    /// <summary>A random generator seeded from <see cref="Seed"/> and a stream number, so that separate uses (shuffling, labels) do not disturb each other.</summary>
    public Random CreateRandom(int stream) => new(unchecked((int)(Seed * 1_000_003 + stream)));
}
