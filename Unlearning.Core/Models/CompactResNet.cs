using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Core.Models;

/// <summary>
/// The compact CPU default (docs/methods.md, "Compact model (CPU default)"): a 3×3 stride-2 stem of width 16 (28×28 → 14×14), then residual basic
/// blocks of widths 16 → 32 → 64 (at 14, 7 and 4 pixels for 28×28 input), global average pooling and a
/// linear head; 170,298 parameters for one input channel. Small enough to train at thousands of images per
/// second on two cores, with seven named layers for the layer-wise similarity view; the first, <c>stem</c>, is
/// conv → BN → ReLU (14×14×16).
/// <para>
/// Why a strided stem rather than the calibration's conv + 2×2 max-pool (docs/methods.md, "Compact model (CPU default)"): the full-resolution 28×28×16
/// activation of that stem (and its BN, pool and their backward passes) took over half of the forward time,
/// and a training step was memory-bound on it. The strided conv produces the same 14×14×16 map without it and trained
/// 25–45 % faster here (same parameter count). Its modules are named <c>stem_conv</c>/<c>stem_bn</c> so that a
/// checkpoint of the earlier max-pool design (keys <c>conv1</c>/<c>bn1</c>, same shapes) fails to load with a
/// clear error instead of loading into a network it was not trained for.
/// </para>
/// </summary>
public sealed class CompactResNet : Classifier
{
    private readonly nn.Module<Tensor, Tensor> stem_conv, stem_bn, fc;
    private readonly TorchSharp.Modules.Sequential layer1, layer2, layer3;

    public static readonly string[] Layers = ["stem", "layer1.0", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "fc"];

    public CompactResNet(int inChannels, int numClasses) : base("CompactResNet")
    {
        stem_conv = nn.Conv2d(inChannels, 16, 3, stride: 2, padding: 1, bias: false);
        stem_bn = new ScalarSafeBatchNorm2d(16);
        layer1 = nn.Sequential(("0", new BasicBlock("0", 16, 16, 1)));
        layer2 = nn.Sequential(("0", new BasicBlock("0", 16, 32, 2)), ("1", new BasicBlock("1", 32, 32, 1)));
        layer3 = nn.Sequential(("0", new BasicBlock("0", 32, 64, 2)), ("1", new BasicBlock("1", 64, 64, 1)));
        fc = nn.Linear(64, numClasses);
        RegisterComponents();
    }

    public override IReadOnlyList<string> LayerNames => Layers;

    /// <summary>The seven CKA layers as layer groups; <c>stem</c> spans <c>stem_conv</c> and <c>stem_bn</c> (docs/methods.md, "Layer groups: freezing and re-initialising").</summary>
    public override IReadOnlyList<LayerGroup> LayerGroups =>
        [new("stem", ["stem_conv", "stem_bn"]), .. Layers.Skip(1).Select(n => new LayerGroup(n, [n]))];

    private Tensor Stem(Tensor x) => stem_bn.call(stem_conv.call(x)).relu_();

    public override (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor x)
    {
        var y = layer3.call(layer2.call(layer1.call(Stem(x))));
        var features = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1);
        return (fc.call(features), features);
    }

    /// <summary>Every batch norm folded into its convolution, weights channels-last (docs/architecture.md, "Inference passes").</summary>
    public override InferencePass ForInference()
    {
        eval();
        return new FoldedPass(this);
    }

    private sealed class FoldedPass : InferencePass
    {
        private static readonly (string Name, long Stride)[] Blocks = [("layer1.0", 1), ("layer2.0", 2), ("layer2.1", 1), ("layer3.0", 2), ("layer3.1", 1)];
        private readonly FoldedConv _stem;
        private readonly FoldedBlock[] _blocks;
        private readonly nn.Module<Tensor, Tensor> _fc;

        public FoldedPass(CompactResNet model)
        {
            var state = model.state_dict();
            _stem = new FoldedConv(state, "stem_conv", "stem_bn", 2, 1);
            _blocks = [.. Blocks.Select(b => new FoldedBlock(state, b.Name, b.Stride))];
            _fc = model.fc;
        }

        public override (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor x) => Run(x, null);

        public override (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Maps) ForwardLayerMaps(Tensor x)
        {
            var outputs = new List<Tensor>(Layers.Length);
            var (logits, features) = Run(x, outputs);
            outputs.Add(logits);
            return (logits, features, outputs);
        }

        /// <summary>The folded network; with <paramref name="maps"/>, the stem's and every block's output are added to it.</summary>
        private (Tensor Logits, Tensor Features) Run(Tensor x, List<Tensor>? maps)
        {
            var y = _stem.Call(x).relu_();
            maps?.Add(y);
            foreach (var block in _blocks)
            {
                y = block.Call(y);
                maps?.Add(y);
            }
            var features = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1);
            return (_fc.call(features), features);
        }

        protected override void Dispose(bool disposing)
        {
            _stem.Dispose();
            foreach (var block in _blocks) block.Dispose();
        }
    }

    public override (Tensor Logits, Tensor Features, IReadOnlyList<Tensor> Maps) ForwardLayerMaps(Tensor x)
    {
        var outputs = new List<Tensor>(Layers.Length);
        var y = Stem(x);
        outputs.Add(y);
        foreach (var stage in new[] { layer1, layer2, layer3 })
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
