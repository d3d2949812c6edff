using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Models;

[Collection("Torch")]
public class ModelTests
{
    [Fact]
    public void ResNet18_cifar_variant_has_the_original_parameter_count_and_layer_names()
    {
        using var m = new ResNet18(3, 10);
        Assert.Equal(11_173_962, m.ParameterCount());
        Assert.Equal(["conv1", "layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1", "fc"], m.LayerNames);
        // torchvision key names (so PyTorch state dicts load): 122 entries including BN buffers.
        var keys = m.state_dict().Keys.ToList();
        Assert.Equal(122, keys.Count);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.Contains("layer4.1.bn2.running_var", keys);
        Assert.Contains("fc.bias", keys);
        Assert.Equal([64L, 3, 3, 3], m.state_dict()["conv1.weight"].shape);
    }

    [Theory]
    [InlineData("compact", 1, 28)]
    [InlineData("resnet18", 3, 32)]
    public void Every_model_exposes_logits_features_and_named_layers(string archId, int channels, int size)
    {
        var arch = ModelCatalog.Get(archId);
        var info = TestData.Info(channels, size);
        using var scope = NewDisposeScope();
        using var m = arch.Create(info);
        m.eval();
        var x = randn(4, channels, size, size);
        var (logits, features) = m.ForwardWithFeatures(x);
        Assert.Equal([4L, 10], logits.shape);
        Assert.Equal(2, features.dim());
        var layers = m.ForwardLayers(x);
        Assert.Equal(m.LayerNames.Count, layers.Count);
        Assert.True(m.LayerNames.Count >= 6);
        Assert.All(layers, l => Assert.Equal(2, l.dim()));
        // The last named layer is the classifier head: its output equals the logits.
        Assert.True(layers[^1].allclose(logits, rtol: 1e-5, atol: 1e-5));
    }

    [Theory]
    [InlineData("compact", 1, 28)]
    [InlineData("resnet18", 3, 32)]
    public void ForwardAll_gives_the_same_logits_features_and_layers_as_the_single_forwards(string archId, int channels, int size)
    {
        using var scope = NewDisposeScope();
        using var m = ModelCatalog.Get(archId).Create(TestData.Info(channels, size));
        m.eval();
        using var noGrad = no_grad();
        var x = randn(3, channels, size, size);
        var (logits, features, layers) = m.ForwardAll(x);
        var (logits1, features1) = m.ForwardWithFeatures(x);
        Assert.True(logits.allclose(logits1, rtol: 1e-5, atol: 1e-6));
        Assert.True(features.allclose(features1, rtol: 1e-5, atol: 1e-6));
        Assert.True(layers[^1].eq(logits).all().item<bool>());
        Assert.Equal(m.LayerNames.Count, layers.Count);
    }

    [Fact]
    public void Compact_default_is_small_with_at_least_six_named_layers()
    {
        using var m = ModelCatalog.Compact.Create(DatasetCatalog.FashionMnist);
        // Counted by hand: stem 1·16·9 + BN 32 = 176; layer1.0 2·(16·16·9) + 2·32 = 4,672; layer2.0 16·32·9 + 32·32·9 + 2·64
        // + shortcut 16·32 + 64 = 14,528; layer2.1 2·9,216 + 128 = 18,560; layer3.0 32·64·9 + 64·64·9 + 2·128 + 32·64 + 128
        // = 57,728; layer3.1 2·36,864 + 256 = 73,984; fc 64·10 + 10 = 650.
        Assert.Equal(170_298, m.ParameterCount());
        Assert.True(m.LayerNames.Count >= 6);
        // The stride-2 stem maps 28×28 to 14×14×16; then 14×14×16, 7×7×32 (twice), 4×4×64 (twice), 10 logits.
        using var scope = NewDisposeScope();
        m.eval();
        Assert.Equal([3136L, 3136, 1568, 1568, 1024, 1024, 10], m.ForwardLayers(randn(2, 1, 28, 28)).Select(l => l.shape[1]));
    }

    [Fact]
    public void A_checkpoint_of_the_earlier_max_pool_compact_design_is_refused()
    {
        // Same shapes, other keys (conv1/bn1): it must not load silently into the strided-stem network.
        var dir = TestData.TempFolder();
        using var m = new CompactResNet(1, 10);
        var state = m.state_dict();
        var renamed = state.ToDictionary(kv => kv.Key.Replace("stem_conv.", "conv1.").Replace("stem_bn.", "bn1."), kv => kv.Value);
        var path = Path.Combine(dir, "old-compact.pth");
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(path, renamed);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, path));
        Assert.Contains("CompactResNet", e.Message);
    }

    [Fact]
    public void Checkpoint_round_trip_in_both_formats_gives_identical_outputs()
    {
        var dir = TestData.TempFolder();
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var a = new ResNet18(3, 10, width: 8);
        a.eval();
        var x = randn(2, 3, 32, 32);
        var expected = a.call(x);
        foreach (var py in new[] { false, true })
        {
            var path = Path.Combine(dir, py ? "model.pth" : "model.pt");
            Checkpoint.Save(a, path, pytorchFormat: py);
            Assert.Equal(py, Checkpoint.IsPyTorchFile(path));
            torch.manual_seed(99);
            using var b = new ResNet18(3, 10, width: 8);
            b.eval();
            Assert.False(b.call(x).allclose(expected));
            Checkpoint.Load(b, path);
            Assert.Equal(0.0, (b.call(x) - expected).abs().max().item<float>());
        }
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));
    }

    [Fact]
    public void Corrupt_or_wrong_architecture_checkpoints_get_a_clear_error()
    {
        var dir = TestData.TempFolder();
        var corrupt = Path.Combine(dir, "corrupt.pth");
        File.WriteAllBytes(corrupt, [.. "PK\u0003\u0004"u8.ToArray(), .. new byte[100]]);
        using var m = new CompactResNet(1, 10);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, corrupt));
        Assert.Contains("corrupt.pth", e.Message);

        var other = Path.Combine(dir, "resnet.pth");
        using (var r = new ResNet18(1, 10, width: 8)) Checkpoint.Save(r, other, pytorchFormat: true);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, other));
        Assert.Contains("CompactResNet", e.Message);

        var garbage = Path.Combine(dir, "garbage.pt");
        File.WriteAllText(garbage, "not a model");
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(m, garbage));
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(m, Path.Combine(dir, "missing.pt")));
    }

    /// <summary>
    /// The batch norm with a rooted Scalar (docs/architecture.md, "Native Scalar lifetime") computes bit for bit what
    /// TorchSharp's nn.BatchNorm2d computes: outputs, gradients and every buffer after a few training steps and in eval mode.
    /// </summary>
    [Fact]
    public void Scalar_safe_batch_norm_matches_torchsharp_batch_norm_exactly()
    {
        using var scope = NewDisposeScope();
        using var ours = new ScalarSafeBatchNorm2d(6);
        using var theirs = nn.BatchNorm2d(6);
        Assert.Equal(theirs.state_dict().Keys.Order(), ours.state_dict().Keys.Order());
        var generator = new Generator(1234);
        for (int step = 0; step < 4; step++)
        {
            var x = randn([8, 6, 5, 5], generator: generator) * 3 + step;
            var a = x.clone().requires_grad_(true);
            var b = x.clone().requires_grad_(true);
            var ya = ours.call(a);
            var yb = theirs.call(b);
            Assert.True(ya.eq(yb).all().item<bool>(), $"step {step}: outputs differ");
            (ya * ya).sum().backward();
            (yb * yb).sum().backward();
            Assert.True(a.grad!.eq(b.grad!).all().item<bool>(), $"step {step}: input gradients differ");
            Assert.True(ours.weight.grad!.eq(theirs.weight.grad!).all().item<bool>());
        }
        foreach (var (key, value) in theirs.state_dict())
            Assert.True(ours.state_dict()[key].eq(value).all().item<bool>(), $"{key} differs");
        Assert.Equal(4L, ours.num_batches_tracked!.item<long>());
        ours.eval();
        theirs.eval();
        var z = randn([3, 6, 5, 5], generator: generator);
        Assert.True(ours.call(z).eq(theirs.call(z)).all().item<bool>());
        Assert.Throws<ArgumentException>(() => ours.call(randn(3, 6)));
    }
}
