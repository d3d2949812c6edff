using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Core.Models;

/// <summary>
/// The compact CPU default (SPEC §2): a 3×3 stem of width 16 followed by 2×2 max-pool, then residual basic
/// blocks of widths 16 → 32 → 64 (at 14, 7 and 4 pixels for 28×28 input), global average pooling and a
/// linear head. Small enough to train at thousands of images per second on two cores, with seven named
/// layers for the layer-wise similarity view. The first of them, <c>stem</c>, is the output of
/// conv1 → BN → ReLU → max-pool (14×14×16): taking it after the pool keeps the layer-wise CKA affordable on a
/// CPU (the 28×28 conv output alone would cost four times more than all other layers together).
/// </summary>
public sealed class CompactResNet : Classifier
{
    private readonly nn.Module<Tensor, Tensor> conv1, bn1, fc;
    private readonly TorchSharp.Modules.Sequential layer1, layer2, layer3;

    public static readonly string[] Layers = ["stem", "layer1.0", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "fc"];

    public CompactResNet(int inChannels, int numClasses) : base("CompactResNet")
    {
        conv1 = nn.Conv2d(inChannels, 16, 3, stride: 1, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(16);
        layer1 = nn.Sequential(("0", new BasicBlock("0", 16, 16, 1)));
        layer2 = nn.Sequential(("0", new BasicBlock("0", 16, 32, 2)), ("1", new BasicBlock("1", 32, 32, 1)));
        layer3 = nn.Sequential(("0", new BasicBlock("0", 32, 64, 2)), ("1", new BasicBlock("1", 64, 64, 1)));
        fc = nn.Linear(64, numClasses);
        RegisterComponents();
    }

    public override IReadOnlyList<string> LayerNames => Layers;

    /// <summary>
    /// conv1 → BN → ReLU → 2×2 max-pool, computed as BN → pool → ReLU: ReLU is monotone, so it commutes with the
    /// max (identical values and gradients) and then runs on a tensor four times smaller. The 28×28×16
    /// activation is the model's largest, so the stem's element-wise work dominated the whole forward pass.
    /// </summary>
    private Tensor Stem(Tensor c) => MaxPool2x2(bn1.call(c)).relu_();

    /// <summary>
    /// 2×2 max-pool with stride 2. Without autograd (evaluation, inference) it is the element-wise maximum of the
    /// four strided views — the same values as <c>max_pool2d(x, 2)</c> for even sizes and about three times faster
    /// in LibTorch's CPU kernels for this shape. When a gradient is needed it is <c>max_pool2d</c>: the backward
    /// pass of the strided views (four scatters into full-size zeros) measured 25–50 % slower there.
    /// </summary>
    internal static Tensor MaxPool2x2(Tensor x)
    {
        if (x.requires_grad || x.shape[2] % 2 != 0 || x.shape[3] % 2 != 0) return nn.functional.max_pool2d(x, 2);
        var even = TensorIndex.Slice(0, null, 2);
        var odd = TensorIndex.Slice(1, null, 2);
        using var top = maximum(x[.., .., even, even], x[.., .., even, odd]);
        using var bottom = maximum(x[.., .., odd, even], x[.., .., odd, odd]);
        return maximum(top, bottom);
    }

    public override (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor x)
    {
        var y = layer3.call(layer2.call(layer1.call(Stem(conv1.call(x)))));
        var features = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1);
        return (fc.call(features), features);
    }

    public override (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Layers) ForwardAll(Tensor x)
    {
        var outputs = new List<Tensor>(Layers.Length);
        var y = Stem(conv1.call(x));
        outputs.Add(y.flatten(1));
        foreach (var stage in new[] { layer1, layer2, layer3 })
            foreach (var block in stage.children().Cast<nn.Module<Tensor, Tensor>>())
            {
                y = block.call(y);
                outputs.Add(y.flatten(1));
            }
        var features = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1);
        var logits = fc.call(features);
        outputs.Add(logits);
        return (logits, features, outputs);
    }
}
