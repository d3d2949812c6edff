using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Core.Models;

/// <summary>
/// ResNet-18, CIFAR variant (docs/methods.md, "ResNet-18 (CIFAR variant)"): torchvision resnet18 with conv1 = 3×3 stride 1 (no bias),
/// max-pool replaced by identity, fc = Linear(512 → classes). Field names are torchvision's
/// (<c>conv1, bn1, layer1…layer4, fc</c>) so PyTorch <c>.pth</c> state dicts load directly.
/// 11,173,962 parameters for 3 input channels and 10 classes.
/// </summary>
public sealed class ResNet18 : Classifier
{
    private readonly nn.Module<Tensor, Tensor> conv1, bn1, fc;
    private readonly TorchSharp.Modules.Sequential layer1, layer2, layer3, layer4;

    /// <summary>CKA layers of the original (docs/methods.md, "ResNet-18 (CIFAR variant)"): conv1 output is taken before BN.</summary>
    public static readonly string[] Layers = ["conv1", "layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1", "fc"];

    public ResNet18(int inChannels, int numClasses, int width = 64) : base("ResNet18")
    {
        conv1 = nn.Conv2d(inChannels, width, 3, stride: 1, padding: 1, bias: false);
        bn1 = new ScalarSafeBatchNorm2d(width);
        layer1 = Stage(width, width, 1);
        layer2 = Stage(width, width * 2, 2);
        layer3 = Stage(width * 2, width * 4, 2);
        layer4 = Stage(width * 4, width * 8, 2);
        fc = nn.Linear(width * 8, numClasses);
        RegisterComponents();
    }

    private static TorchSharp.Modules.Sequential Stage(long cin, long cout, long stride) =>
        nn.Sequential(("0", new BasicBlock("0", cin, cout, stride)), ("1", new BasicBlock("1", cout, cout, 1)));

    public override IReadOnlyList<string> LayerNames => Layers;

    /// <summary>The ten CKA layers as layer groups; <c>conv1</c> spans <c>conv1</c> and <c>bn1</c> (docs/methods.md, "Layer groups: freezing and re-initialising").</summary>
    public override IReadOnlyList<LayerGroup> LayerGroups =>
        [new("conv1", ["conv1", "bn1"]), .. Layers.Skip(1).Select(n => new LayerGroup(n, [n]))];

    public override (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor x)
    {
        var y = nn.functional.relu(bn1.call(conv1.call(x)));
        y = layer4.call(layer3.call(layer2.call(layer1.call(y))));
        var features = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1);
        return (fc.call(features), features);
    }

    public override (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Maps) ForwardLayerMaps(Tensor x)
    {
        var outputs = new List<Tensor>(Layers.Length);
        var c = conv1.call(x);
        outputs.Add(c);
        var y = nn.functional.relu(bn1.call(c));
        foreach (var stage in new[] { layer1, layer2, layer3, layer4 })
            foreach (var block in stage.children().Cast<nn.Module<Tensor, Tensor>>())
            {
                y = block.call(y);
                outputs.Add(y);
            }
        var features = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1);
        var logits = fc.call(features);
        outputs.Add(logits);
        return (logits, features, outputs);
    }
}
