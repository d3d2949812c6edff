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

    private Tensor Stem(Tensor c) => nn.functional.max_pool2d(nn.functional.relu(bn1.call(c)), 2);

    public override (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor x)
    {
        var y = layer3.call(layer2.call(layer1.call(Stem(conv1.call(x)))));
        var features = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1);
        return (fc.call(features), features);
    }

    public override IReadOnlyList<Tensor> ForwardLayers(Tensor x)
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
        outputs.Add(fc.call(nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)));
        return outputs;
    }
}
