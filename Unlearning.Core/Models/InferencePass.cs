using static TorchSharp.torch;

namespace Unlearning.Core.Models;

/// <summary>
/// An eval-mode forward of a <see cref="Classifier"/> for passes that only read the model (the evaluation's accuracy,
/// signal and CKA passes). It is a snapshot of the weights at <see cref="Classifier.ForInference"/>: a pass made before
/// the weights change keeps computing the old model, so make it per evaluation and dispose it after (docs/architecture.md,
/// "Inference passes"). Outputs have the shapes of the classifier's own methods; convolutional maps may be strided
/// channels-last (same values and indexing, another memory layout).
/// </summary>
public abstract class InferencePass : IDisposable
{
    /// <summary>Logits and penultimate features, as <see cref="Classifier.ForwardWithFeatures"/> in eval mode.</summary>
    public abstract (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor x);

    /// <summary>Logits, features and every named layer's output in its own shape, as <see cref="Classifier.ForwardLayerMaps"/> in eval mode.</summary>
    public abstract (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Maps) ForwardLayerMaps(Tensor x);

    /// <summary>As <see cref="Classifier.ForwardAll"/>: the layers flattened to N×D in the classifier's (N, C, H, W) order.</summary>
    public (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Layers) ForwardAll(Tensor x)
    {
        var (logits, features, maps) = ForwardLayerMaps(x);
        return (logits, features, [.. maps.Select(m => m.flatten(1))]);
    }

    /// <summary>As <see cref="Classifier.ForwardLayers"/>.</summary>
    public IReadOnlyList<Tensor> ForwardLayers(Tensor x) => ForwardAll(x).Layers;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}

/// <summary>The default pass: the classifier's own modules in eval mode (any architecture without a faster pass).</summary>
internal sealed class ModuleInferencePass(Classifier model) : InferencePass
{
    public override (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor x) => model.ForwardWithFeatures(x);

    public override (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Maps) ForwardLayerMaps(Tensor x) => model.ForwardLayerMaps(x);
}

/// <summary>
/// A convolution with its eval-mode batch norm folded in (docs/architecture.md, "Inference passes"): BN(conv(x, W)) =
/// conv(x, W·s) + (β − μ·s) with s = γ / √(σ² + ε) per output channel, μ and σ² the running statistics. The weight is kept
/// channels-last, so oneDNN runs the convolutions of a batch without converting layouts between them.
/// </summary>
internal sealed class FoldedConv : IDisposable
{
    private readonly Tensor _weight, _bias;
    private readonly long[] _stride, _padding;

    public FoldedConv(IReadOnlyDictionary<string, Tensor> state, string conv, string bn, long stride, long padding)
    {
        const double eps = ScalarSafeBatchNorm2d.Eps;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var w = state[conv + ".weight"].detach().to(ScalarType.Float64);
        var scale = state[bn + ".weight"].detach().to(ScalarType.Float64) / (state[bn + ".running_var"].detach().to(ScalarType.Float64) + eps).sqrt();
        var bias = state[bn + ".bias"].detach().to(ScalarType.Float64) - state[bn + ".running_mean"].detach().to(ScalarType.Float64) * scale;
        var dtype = state[conv + ".weight"].dtype;
        // Owned by this object (disposed in Dispose), not by any dispose scope around the caller: a pass made inside a batch's
        // scope outlives the batch.
        _weight = ChannelsLast((w * scale.reshape(-1, 1, 1, 1)).to(dtype)).DetachFromDisposeScope();
        _bias = bias.to(dtype).contiguous().DetachFromDisposeScope();
        _stride = [stride, stride];
        _padding = [padding, padding];
    }

    public Tensor Call(Tensor x) => nn.functional.conv2d(x, _weight, _bias, strides: _stride, padding: _padding);

    /// <summary>The same N×C×H×W tensor stored as N×H×W×C (what PyTorch calls channels_last; TorchSharp 0.107 has no memory-format argument).</summary>
    internal static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    public void Dispose()
    {
        _weight.Dispose();
        _bias.Dispose();
    }
}

/// <summary>A <see cref="BasicBlock"/> with both batch norms (and the shortcut's) folded into their convolutions.</summary>
internal sealed class FoldedBlock : IDisposable
{
    private readonly FoldedConv _conv1, _conv2;
    private readonly FoldedConv? _downsample;

    /// <param name="prefix">The block's module path, e.g. <c>layer2.0</c>.</param>
    public FoldedBlock(IReadOnlyDictionary<string, Tensor> state, string prefix, long stride)
    {
        _conv1 = new FoldedConv(state, prefix + ".conv1", prefix + ".bn1", stride, 1);
        _conv2 = new FoldedConv(state, prefix + ".conv2", prefix + ".bn2", 1, 1);
        if (state.ContainsKey(prefix + ".downsample.0.weight"))
            _downsample = new FoldedConv(state, prefix + ".downsample.0", prefix + ".downsample.1", stride, 0);
    }

    /// <summary>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), as <see cref="BasicBlock.forward"/> in eval mode.</summary>
    public Tensor Call(Tensor x)
    {
        var y = _conv2.Call(_conv1.Call(x).relu_());
        var shortcut = _downsample is null ? x : _downsample.Call(x);
        return y.add_(shortcut, RootedScalars.One).relu_();
    }

    public void Dispose()
    {
        _conv1.Dispose();
        _conv2.Dispose();
        _downsample?.Dispose();
    }
}
