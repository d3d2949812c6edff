using Unlearning.Core.Data;
using Unlearning.Core.Methods;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Methods;

/// <summary>Boundary Shrink and Boundary Expanding: the shadow-class loss, the attack's projection, and the class-wise-only refusal.</summary>
[Collection("Torch")]
public sealed class BoundaryUnlearningTests(SyntheticUnlearningData data) : IClassFixture<SyntheticUnlearningData>
{
    [Fact]
    public void Shadow_loss_is_the_cross_entropy_of_the_widened_head_towards_the_extra_class()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1, 0, 0, 2 }, [2, 2]);
        var features = tensor(new float[] { 1, 2, 0, 4 }, [2, 2]);
        var w = tensor(new float[] { 0.5f, 0.25f }, [2, 1]);
        var b = tensor(new float[] { 0.5f });
        // Shadow logits: 1·0.5 + 2·0.25 + 0.5 = 1.5 and 0·0.5 + 4·0.25 + 0.5 = 1.5; widened rows [1, 0, 1.5] and [0, 2, 1.5], target column 2.
        double first = -1.5 + Math.Log(Math.Exp(1) + Math.Exp(0) + Math.Exp(1.5));
        double second = -1.5 + Math.Log(Math.Exp(0) + Math.Exp(2) + Math.Exp(1.5));
        Assert.Equal((first + second) / 2, BoundaryExpanding.ShadowLoss(logits, features, w, b).item<float>(), 5);
    }

    [Fact]
    public void The_attack_stays_within_its_bound_and_the_pixel_range_and_changes_predictions()
    {
        using var scope = NewDisposeScope();
        var info = SyntheticUnlearningData.Info;
        var forget = data.Split.Forget.Select(i => (long)i).ToArray();
        var (x, y) = data.Train.Batch(forget);
        data.Original.eval();
        Trainer.Seed(5);
        const double bound = 0.25;
        var adv = BoundaryUnlearning.LinfPgd(data.Original, x, y, info, bound, 0.1, 10);
        // Back to pixel units: p = z·std + mean (one channel, std 0.5, mean 0.5).
        var pixelsClean = x.mul(info.Std[0]).add(info.Mean[0]);
        var pixelsAdv = adv.mul(info.Std[0]).add(info.Mean[0]);
        Assert.True(pixelsAdv.sub(pixelsClean).abs().max().item<float>() <= bound + 1e-5);
        Assert.True(pixelsAdv.min().item<float>() >= -1e-6 && pixelsAdv.max().item<float>() <= 1 + 1e-6);
        Assert.False(adv.requires_grad);
        // The Original knows the forget class (≥ 85 %); a quarter of the pixel range moves most images to another class.
        var labels = BoundaryShrink.NeighbourLabels(data.Original, x, y, info, bound, 0.1, 10);
        double moved = labels.ne(y).to_type(ScalarType.Float32).mean().item<float>();
        Assert.True(moved >= 0.5, $"only {moved:P0} of the forget images got another class");
    }

    [Theory]
    [InlineData("BoundaryShrink")]
    [InlineData("BoundaryExpanding")]
    public void A_forget_set_that_is_not_a_whole_class_is_refused_before_any_change(string name)
    {
        var method = new MethodCatalog(MethodServiceCollectionExtensions.BuiltIns()).Get(name);
        var context = data.Context(method, null);
        using var model = context.Model;
        var half = data.Split with { Forget = data.Split.Forget[..(data.Split.Forget.Length / 2)] };
        var partial = new UnlearningContext(model, SyntheticUnlearningData.CreateModel, data.Train, data.Test, half, CPU, 1, context.Hyperparameters);
        var error = Assert.Throws<ArgumentException>(() => method.Run(partial, new CallbackProgress<UnlearningProgress>(_ => { }), CancellationToken.None));
        Assert.Contains("forgets a whole class", error.Message);
        foreach (var (key, t) in model.state_dict())
            Assert.True(t.eq(data.Original.state_dict()[key]).all().item<bool>(), $"{name} changed {key} before refusing");
    }
}
