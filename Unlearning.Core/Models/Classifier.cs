using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Core.Models;

/// <summary>
/// Contract of every image classifier in the system: logits, penultimate features (the embedding input,
/// docs/metrics.md, "Embedding (UMAP, aligned)") and the outputs of named layers (the CKA layers, docs/metrics.md, "Layer-wise similarity (CKA)").
/// </summary>
public abstract class Classifier : nn.Module<Tensor, Tensor>
{
    protected Classifier(string name) : base(name) { }

    /// <summary>Names of the layers whose outputs <see cref="ForwardLayers"/> returns, in network order (last is the classifier head).</summary>
    public abstract IReadOnlyList<string> LayerNames { get; }

    /// <summary>Logits and penultimate features (after global average pooling, flattened).</summary>
    public abstract (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor x);

    /// <summary>Every named layer's output, flattened to N×D, in the order of <see cref="LayerNames"/>.</summary>
    public IReadOnlyList<Tensor> ForwardLayers(Tensor x) => ForwardAll(x).Layers;

    /// <summary>
    /// Logits, penultimate features and every named layer's output from one forward pass, so that the
    /// evaluation's CKA batches also yield their accuracy and embedding inputs. Layers are flattened to N×D.
    /// </summary>
    public (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Layers) ForwardAll(Tensor x)
    {
        var (logits, features, maps) = ForwardLayerMaps(x);
        return (logits, features, [.. maps.Select(m => m.flatten(1))]);
    }

    /// <summary>
    /// The pass behind <see cref="ForwardAll"/> with every named layer's output in its own shape: N×C×H×W for a
    /// convolutional map, N×K for the head.
    /// </summary>
    public abstract (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Maps) ForwardLayerMaps(Tensor x);

    /// <summary>
    /// Every named layer's output with convolutional maps averaged over space (N×C; the head stays N×K): the
    /// per-layer features of the linear probes (docs/metrics.md, "Depth of forgetting").
    /// </summary>
    public IReadOnlyList<Tensor> ForwardPooledLayers(Tensor x) =>
        [.. ForwardLayerMaps(x).Maps.Select(m => m.dim() > 2 ? m.flatten(2).mean([2]) : m)];

    public override Tensor forward(Tensor x) => ForwardWithFeatures(x).Logits;

    /// <summary>
    /// An eval-mode forward of the current weights for read-only passes (the evaluation), faster where an architecture
    /// folds its batch norms (docs/architecture.md, "Inference passes"); by default the modules themselves. Puts the model in
    /// eval mode. Make one per evaluation: it does not follow later weight changes. Call without autograd.
    /// </summary>
    public virtual InferencePass ForInference()
    {
        eval();
        return new ModuleInferencePass(this);
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>
    /// The layer groups, in network order, that a run may freeze (the first k) or re-initialise (the last k)
    /// (docs/methods.md, "Layer groups: freezing and re-initialising"). By default one group per CKA layer, each the
    /// module of that name; a group whose CKA layer is a part of a larger unit (a stem convolution and its batch norm)
    /// lists every module of the unit. Every parameter must belong to exactly one group.
    /// </summary>
    public virtual IReadOnlyList<LayerGroup> LayerGroups => [.. LayerNames.Select(n => new LayerGroup(n, [n]))];

    private nn.Module[] _keptInEval = [];

    /// <summary>
    /// Keeps <paramref name="modules"/> in eval mode even when the model is put in train mode (a frozen group's batch norms
    /// normalise with, and keep, their running statistics); an empty list releases them. Applied at once.
    /// </summary>
    public void KeepInEvalMode(IEnumerable<nn.Module> modules)
    {
        _keptInEval = [.. modules];
        if (training)
            foreach (var m in _keptInEval) m.eval();
    }

    public override void train(bool on = true)
    {
        base.train(on);
        if (on)
            foreach (var m in _keptInEval) m.eval();
    }
}

/// <summary>One layer group of a <see cref="Classifier"/>: its name (as the CKA view shows it) and the module names (dotted paths) it spans.</summary>
public sealed record LayerGroup(string Name, IReadOnlyList<string> Modules)
{
    /// <summary>True when the parameter or buffer <paramref name="qualifiedName"/> (e.g. <c>layer3.0.bn1.running_mean</c>) lies in this group.</summary>
    public bool Contains(string qualifiedName) =>
        Modules.Any(m => qualifiedName == m || qualifiedName.StartsWith(m + ".", StringComparison.Ordinal));
}

/// <summary>
/// Residual basic block with torchvision's field names (<c>conv1, bn1, conv2, bn2, downsample</c>) so that
/// PyTorch state dicts load key for key.
/// </summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> conv1, bn1, conv2, bn2;
    private readonly nn.Module<Tensor, Tensor>? downsample;

    public BasicBlock(string name, long inChannels, long outChannels, long stride) : base(name)
    {
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = new ScalarSafeBatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = new ScalarSafeBatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = nn.Sequential(
                ("0", nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("1", new ScalarSafeBatchNorm2d(outChannels)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = bn1.call(conv1.call(x)).relu_();
        y = bn2.call(conv2.call(y));
        var shortcut = downsample is null ? x : downsample.call(x);
        // An explicit, rooted alpha: add_(Tensor) would make a temporary Scalar 1 (docs/architecture.md, "Native Scalar lifetime").
        return y.add_(shortcut, RootedScalars.One).relu_();
    }
}
