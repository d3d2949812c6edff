using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Models;

/// <summary>The evaluation's inference passes (docs/architecture.md, "Inference passes"): folded batch norms, same outputs.</summary>
[Collection("Torch")]
public class InferencePassTests
{
    /// <summary>A compact model whose batch norms have non-trivial running statistics and affine parameters, so that folding matters.</summary>
    private static CompactResNet RandomisedCompact(int seed)
    {
        manual_seed(seed);
        var m = new CompactResNet(1, 10);
        using var noGrad = no_grad();
        foreach (var (name, t) in m.state_dict())
        {
            if (name.EndsWith("running_mean")) t.copy_(randn_like(t) * 0.5);
            else if (name.EndsWith("running_var")) t.copy_(rand_like(t) * 2 + 0.1);
            else if (name.Contains("bn") && name.EndsWith("weight")) t.copy_(rand_like(t) + 0.5);
            else if (name.Contains("bn") && name.EndsWith("bias")) t.copy_(randn_like(t) * 0.3);
        }
        return m;
    }

    [Fact]
    public void A_folded_batch_norm_is_the_hand_computed_affine_map_of_the_convolution()
    {
        // 1×1 convolution, one channel, weight 2; BN γ = 3, β = 1, μ = 0.5, σ² = 4 − ε: BN(2x) = 3·(2x − 0.5)/2 + 1 = 3x + 0.25.
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor>
        {
            ["c.weight"] = tensor(new float[] { 2 }).reshape(1, 1, 1, 1),
            ["b.weight"] = tensor(new float[] { 3 }),
            ["b.bias"] = tensor(new float[] { 1 }),
            ["b.running_mean"] = tensor(new float[] { 0.5f }),
            ["b.running_var"] = tensor(new[] { 4 - ScalarSafeBatchNorm2d.Eps }).to(ScalarType.Float32),
        };
        using var folded = new FoldedConv(state, "c", "b", 1, 0);
        var x = tensor(new float[] { -1, 0, 2, 10 }).reshape(1, 1, 2, 2);
        Assert.Equal(new float[] { -2.75f, 0.25f, 6.25f, 30.25f }, folded.Call(x).flatten().data<float>().ToArray());
    }

    [Fact]
    public void The_compact_folded_pass_gives_the_eval_mode_logits_features_layers_and_predictions_of_the_model()
    {
        using var scope = NewDisposeScope();
        using var m = RandomisedCompact(11);
        m.eval();
        using var noGrad = no_grad();
        var x = randn(64, 1, 28, 28);
        var (logits, features, maps) = m.ForwardLayerMaps(x);
        using var pass = m.ForInference();
        var (pl, pf, pm) = pass.ForwardLayerMaps(x);
        Assert.True(pl.allclose(logits, rtol: 1e-4, atol: 1e-5), $"logits differ by {(pl - logits).abs().max().item<float>()}");
        Assert.True(pf.allclose(features, rtol: 1e-4, atol: 1e-5));
        Assert.Equal(maps.Count, pm.Count);
        for (int i = 0; i < maps.Count; i++)
        {
            Assert.Equal(maps[i].shape, pm[i].shape);
            Assert.True(pm[i].allclose(maps[i], rtol: 1e-4, atol: 1e-5), $"layer {m.LayerNames[i]} differs by {(pm[i] - maps[i]).abs().max().item<float>()}");
        }
        Assert.Equal(logits.argmax(1).data<long>().ToArray(), pl.argmax(1).data<long>().ToArray());
        var (l2, f2) = pass.ForwardWithFeatures(x);
        Assert.True(l2.allclose(pl, rtol: 1e-6, atol: 1e-6));
        Assert.True(f2.allclose(pf, rtol: 1e-6, atol: 1e-6));
        // Flattened layers keep the model's (N, C, H, W) order, whatever the memory layout.
        var flat = pass.ForwardLayers(x);
        for (int i = 0; i < maps.Count; i++) Assert.True(flat[i].allclose(maps[i].flatten(1), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void A_pass_uses_the_running_statistics_even_for_a_model_in_train_mode_and_puts_it_in_eval_mode()
    {
        using var scope = NewDisposeScope();
        using var m = RandomisedCompact(12);
        m.train();
        using var noGrad = no_grad();
        var x = randn(16, 1, 28, 28);
        using var pass = m.ForInference();
        Assert.False(m.training);
        var expected = m.ForwardWithFeatures(x).Logits;
        Assert.True(pass.ForwardWithFeatures(x).Logits.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void A_pass_is_a_snapshot_of_the_weights_and_a_new_pass_follows_a_change()
    {
        using var scope = NewDisposeScope();
        using var m = RandomisedCompact(13);
        using var noGrad = no_grad();
        var x = randn(8, 1, 28, 28);
        using var before = m.ForInference();
        var old = before.ForwardWithFeatures(x).Logits.clone();
        m.state_dict()["layer2.0.bn1.running_mean"].add_(1.0);
        m.state_dict()["stem_conv.weight"].mul_(1.5);
        Assert.True(before.ForwardWithFeatures(x).Logits.allclose(old, rtol: 1e-6, atol: 1e-6));
        using var after = m.ForInference();
        var changed = after.ForwardWithFeatures(x).Logits;
        Assert.False(changed.allclose(old, rtol: 1e-3, atol: 1e-3));
        Assert.True(changed.allclose(m.ForwardWithFeatures(x).Logits, rtol: 1e-4, atol: 1e-5));
        // Disposing a pass leaves the model whole (the head is the model's own module).
        before.Dispose();
        Assert.Equal([8L, 10], m.ForwardWithFeatures(x).Logits.shape);
    }

    [Fact]
    public void Architectures_without_a_folded_pass_run_their_own_modules()
    {
        using var scope = NewDisposeScope();
        using var m = ModelCatalog.ResNet18.Create(TestData.Info(3, 32));
        m.train();
        using var noGrad = no_grad();
        var x = randn(2, 3, 32, 32);
        using var pass = m.ForInference();
        Assert.False(m.training);
        var (logits, features, maps) = m.ForwardLayerMaps(x);
        var (pl, pf, pm) = pass.ForwardLayerMaps(x);
        Assert.True(pl.eq(logits).all().item<bool>());
        Assert.True(pf.eq(features).all().item<bool>());
        Assert.Equal(maps.Count, pm.Count);
    }
}
