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
    /// evaluation's CKA batches also yield their accuracy and embedding inputs.
    /// </summary>
    public abstract (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Layers) ForwardAll(Tensor x);

    public override Tensor forward(Tensor x) => ForwardWithFeatures(x).Logits;

    public long ParameterCount() => parameters().Sum(p => p.numel());
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
        bn1 = nn.BatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = nn.Sequential(
                ("0", nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("1", nn.BatchNorm2d(outChannels)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = bn1.call(conv1.call(x)).relu_();
        y = bn2.call(conv2.call(y));
        var shortcut = downsample is null ? x : downsample.call(x);
        return y.add_(shortcut).relu_();
    }
}
