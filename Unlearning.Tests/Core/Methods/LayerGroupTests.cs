using System.Reflection;
using TorchSharp;
using Unlearning.Core.Methods;
using Unlearning.Core.Training;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Methods;

/// <summary>
/// <c>freeze_first_k_layers</c> / <c>reinit_last_k_layers</c> (docs/methods.md, "Layer groups: freezing and re-initialising"): the groups
/// per architecture, 0 / 0 changing nothing, frozen groups left exactly as they were (weights and batch-norm statistics), re-initialised
/// groups reset before the run, and clear errors for bad values.
/// </summary>
[Collection("Torch")]
public sealed class LayerGroupTests(SyntheticUnlearningData data) : IClassFixture<SyntheticUnlearningData>
{
    private static readonly MethodCatalog Catalog = new(MethodServiceCollectionExtensions.BuiltIns());
    private static readonly IProgress<UnlearningProgress> Quiet = new CallbackProgress<UnlearningProgress>(_ => { });

    /// <summary>One short run per built-in (one epoch; SSD its one dampening step), with only hyperparameters it has.</summary>
    public static TheoryData<string> AllMethods() => [.. MethodServiceCollectionExtensions.BuiltIns().Select(m => m.Name)];

    private static Dictionary<string, double> ShortRun(IUnlearningMethod method)
    {
        var hp = new Dictionary<string, double>();
        foreach (var (name, value) in new (string, double)[] { ("epochs", 1), ("learning_rate", 0.02), ("batch_size", 32), ("selection_weight", 5) })
            if (method.Hyperparameters.Any(h => h.Name == name)) hp[name] = value;
        if (method.Name == "BadTeacher") hp["learning_rate"] = 1e-3;
        return hp;
    }

    [Fact]
    public void Groups_follow_the_CKA_layers_and_cover_every_parameter_exactly_once()
    {
        using var compact = new CompactResNet(1, 10);
        using var resnet = new ResNet18(3, 10, width: 4);
        Assert.Equal(["stem", "layer1.0", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "fc"], compact.LayerGroups.Select(g => g.Name));
        Assert.Equal(["conv1", "layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1", "fc"], resnet.LayerGroups.Select(g => g.Name));
        Assert.Equal(["stem_conv", "stem_bn"], compact.LayerGroups[0].Modules);
        Assert.Equal(["conv1", "bn1"], resnet.LayerGroups[0].Modules);
        // The original's "last 3" on ResNet-18, and ours on the compact model (docs/methods.md, "GA+FT").
        Assert.Equal(["layer4.0", "layer4.1", "fc"], resnet.LayerGroups.TakeLast(3).Select(g => g.Name));
        Assert.Equal(["layer3.0", "layer3.1", "fc"], compact.LayerGroups.TakeLast(3).Select(g => g.Name));
        foreach (Classifier model in new Classifier[] { compact, resnet })
            foreach (var name in model.state_dict().Keys)
                Assert.Equal(1, model.LayerGroups.Count(g => g.Contains(name)));
        Assert.False(compact.LayerGroups[1].Contains("layer1.01.weight"));   // a prefix must end at a dot
    }

    [Fact]
    public void Every_method_has_both_options_with_its_default()
    {
        foreach (var m in Catalog.All)
        {
            var names = m.Hyperparameters.Select(h => h.Name).ToList();
            Assert.Equal([LayerGroupOptions.FreezeName, LayerGroupOptions.ReinitializeName], names.TakeLast(2));
            var d = m.DefaultsFor("compact");
            Assert.Equal(0, d[LayerGroupOptions.FreezeName]);
            Assert.Equal(m.Name is "GAFT" or "GASLFT" or "GASLFTV2" ? 3 : 0, d[LayerGroupOptions.ReinitializeName]);
        }
    }

    /// <summary>
    /// 0 / 0 is the run as it was before the options existed: the method's own typed <c>Run</c> (its unchanged body, which the
    /// scaffolding calls) gives bit-identical weights and buffers to a run through the scaffolding with both options at 0.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllMethods))]
    public void Zero_zero_gives_the_same_weights_as_the_method_without_the_options(string name)
    {
        var method = Catalog.Get(name);
        var hp = ShortRun(method);
        if (method.Hyperparameters.Single(h => h.Name == LayerGroupOptions.ReinitializeName).Default != 0) hp[LayerGroupOptions.ReinitializeName] = 0;
        var withOptions = data.Context(method, new Dictionary<string, double>(hp) { [LayerGroupOptions.FreezeName] = 0, [LayerGroupOptions.ReinitializeName] = 0 });
        var without = data.Context(method, hp);
        using var a = withOptions.Model;
        using var b = without.Model;
        var ra = method.Run(withOptions, Quiet, CancellationToken.None);
        var rb = RunTypedOnly(method, without);
        Assert.Equal(ra.Epochs[^1].ForgetLoss, rb.Epochs[^1].ForgetLoss);
        var sb = b.state_dict();
        foreach (var (key, ta) in a.state_dict())
            Assert.True(ta.eq(sb[key]).all().item<bool>(), $"{name}: {key} differs with freeze/reinit 0/0");
        Assert.All(a.parameters(), p => Assert.True(p.requires_grad));
    }

    /// <summary>The method's own <c>Run(context, options, …)</c>, bypassing the layer-group scaffolding.</summary>
    private static UnlearningResult RunTypedOnly(IUnlearningMethod method, UnlearningContext context)
    {
        var type = method.GetType();
        var options = type.GetMethod("Options", [typeof(IReadOnlyDictionary<string, double>)])!.Invoke(method, [context.Hyperparameters])!;
        var run = type.GetMethod("Run", [typeof(UnlearningContext), options.GetType(), typeof(IProgress<UnlearningProgress>), typeof(CancellationToken)])!;
        try
        {
            return (UnlearningResult)run.Invoke(method, [context, options, Quiet, CancellationToken.None])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void Frozen_groups_keep_their_weights_and_batch_norm_statistics(string name)
    {
        var method = Catalog.Get(name);
        var context = data.Context(method, new Dictionary<string, double>(ShortRun(method)) { [LayerGroupOptions.FreezeName] = 3 });
        using var model = context.Model;
        var frozen = model.LayerGroups.Take(3).ToList();
        method.Run(context, Quiet, CancellationToken.None);

        var original = data.Original.state_dict();
        var after = model.state_dict();
        var frozenKeys = after.Keys.Where(k => frozen.Any(g => g.Contains(k))).ToList();
        Assert.Contains(frozenKeys, k => k.EndsWith("running_mean", StringComparison.Ordinal));
        Assert.Contains(frozenKeys, k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        foreach (var key in frozenKeys)
            Assert.True(after[key].eq(original[key]).all().item<bool>(), $"{name}: frozen {key} changed");
        // Something outside the frozen groups moved (SSD may leave a group untouched, but not all of them).
        Assert.Contains(after.Keys.Except(frozenKeys), k => after[k].is_floating_point() && !after[k].eq(original[k]).all().item<bool>());
        // The freeze ends with the run: every parameter trainable again, every batch norm back in train mode with the model.
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
        model.train();
        Assert.All(model.modules().OfType<TorchSharp.Modules.BatchNorm>(), bn => Assert.True(bn.training));
    }

    [Fact]
    public void A_frozen_batch_norm_stays_in_eval_mode_when_the_model_trains()
    {
        var method = Catalog.Get("FineTuning");
        var context = data.Context(method, new Dictionary<string, double> { [LayerGroupOptions.FreezeName] = 1 });
        using var model = context.Model;
        using (LayerGroupSurgery.Apply(context, LayerGroupOptions.From(context.Hyperparameters), method.DisplayName))
        {
            model.train();
            var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
            Assert.False(modules["stem_bn"].training);
            Assert.True(modules["layer1.0.bn1"].training);
            Assert.All(model.named_parameters().Where(p => p.name.StartsWith("stem_", StringComparison.Ordinal)), p => Assert.False(p.parameter.requires_grad));
            Assert.Equal(["stem"], context.FrozenGroups.Select(g => g.Name));
        }
        model.train();
        Assert.True(model.named_modules().Single(m => m.name == "stem_bn").module.training);
    }

    [Fact]
    public void Reinitialised_groups_are_reset_before_the_run_and_teachers_keep_the_base_weights()
    {
        var method = Catalog.Get("FineTuning");
        var context = data.Context(method, new Dictionary<string, double> { [LayerGroupOptions.ReinitializeName] = 2 });
        using var model = context.Model;
        var original = data.Original.state_dict();
        using (LayerGroupSurgery.Apply(context, LayerGroupOptions.From(context.Hyperparameters), method.DisplayName))
        {
            Assert.Equal(["layer3.1", "fc"], context.ReinitializedGroups.Select(g => g.Name));
            var state = model.state_dict();
            foreach (var (key, t) in state)
            {
                bool reset = key.StartsWith("layer3.1.", StringComparison.Ordinal) || key.StartsWith("fc.", StringComparison.Ordinal);
                bool same = t.eq(original[key]).all().item<bool>();
                Assert.True(reset != same, $"{key}: reset {reset}, unchanged {same}");
            }
            // PyTorch's fresh-layer values: batch norm weight 1, bias 0, running mean 0, variance 1, count 0; weights within 1/√fan_in.
            Assert.True(state["layer3.1.bn1.weight"].eq(1).all().item<bool>());
            Assert.True(state["layer3.1.bn1.bias"].eq(0).all().item<bool>());
            Assert.True(state["layer3.1.bn2.running_mean"].eq(0).all().item<bool>());
            Assert.True(state["layer3.1.bn2.running_var"].eq(1).all().item<bool>());
            Assert.Equal(0, state["layer3.1.bn2.num_batches_tracked"].item<long>());
            double bound = 1 / Math.Sqrt(64 * 9);   // layer3.1.conv1: 64 input channels, 3×3
            Assert.True(state["layer3.1.conv1.weight"].abs().max().item<float>() <= bound);
            Assert.True(state["layer3.1.conv1.weight"].abs().max().item<float>() > bound * 0.9);
            Assert.True(state["fc.bias"].abs().max().item<float>() <= 1 / Math.Sqrt(64));
            // A teacher is still the base model.
            using var teacher = context.CreateFrozenCopy();
            foreach (var (key, t) in teacher.state_dict())
                Assert.True(t.eq(original[key]).all().item<bool>(), $"teacher {key} is not the base model's");
        }
        // Seeded: the same seed draws the same fresh weights.
        var again = data.Context(method, context.Hyperparameters);
        using var modelAgain = again.Model;
        using (LayerGroupSurgery.Apply(again, LayerGroupOptions.From(again.Hyperparameters), method.DisplayName)) { }
        Assert.True(modelAgain.state_dict()["fc.weight"].eq(model.state_dict()["fc.weight"]).all().item<bool>());
    }

    [Fact]
    public void Reinitialising_through_a_run_changes_the_groups_and_still_unlearns()
    {
        // Fine-Tuning's tiny settings (BuiltInMethodsTests) with the head re-initialised: only retain data fits the fresh head.
        var method = Catalog.Get("FineTuning");
        var context = data.Context(method, new Dictionary<string, double>
        {
            ["epochs"] = 5, ["learning_rate"] = 0.1, ["batch_size"] = 8, [LayerGroupOptions.ReinitializeName] = 1,
        });
        using var model = context.Model;
        method.Run(context, Quiet, CancellationToken.None);
        data.AssertForgotAndKept("Fine-Tuning with fc re-initialised", model);
    }

    [Theory]
    [InlineData(LayerGroupOptions.FreezeName, -1, "Must be between 0 and 10.")]
    [InlineData(LayerGroupOptions.ReinitializeName, 11, "Must be between 0 and 10.")]
    [InlineData(LayerGroupOptions.FreezeName, double.NaN, "Not a number.")]
    [InlineData(LayerGroupOptions.ReinitializeName, 1.5, "Must be a whole number.")]
    public void Bad_values_are_refused_by_validation(string name, double value, string problem)
    {
        foreach (var m in Catalog.All)
        {
            var e = Assert.Throws<ArgumentException>(() => HyperparameterValidation.Validate(m, new Dictionary<string, double> { [name] = value }));
            Assert.Contains($"{m.DisplayName}: {name}", e.Message);
            Assert.Contains(problem, e.Message);
        }
    }

    [Theory]
    [InlineData(8, 0, "freeze_first_k_layers must be between 0 and 7")]
    [InlineData(0, 8, "reinit_last_k_layers must be between 0 and 7")]
    [InlineData(4, 4, "exceeds the 7 layer groups")]
    public void Values_beyond_the_models_groups_or_overlapping_are_refused_before_anything_changes(int freeze, int reinit, string message)
    {
        var method = Catalog.Get("FineTuning");
        var context = data.Context(method, new Dictionary<string, double> { [LayerGroupOptions.FreezeName] = freeze, [LayerGroupOptions.ReinitializeName] = reinit });
        using var model = context.Model;
        var e = Assert.Throws<ArgumentException>(() => method.Run(context, Quiet, CancellationToken.None));
        Assert.Contains(message, e.Message);
        Assert.Contains("stem, layer1.0, layer2.0, layer2.1, layer3.0, layer3.1, fc", e.Message);
        foreach (var (key, t) in model.state_dict())
            Assert.True(t.eq(data.Original.state_dict()[key]).all().item<bool>(), $"{key} changed by a refused run");
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void All_groups_but_the_head_may_be_frozen_with_the_head_reinitialised()
    {
        var method = Catalog.Get("FineTuning");
        var context = data.Context(method, new Dictionary<string, double>
        {
            ["epochs"] = 1, ["batch_size"] = 32, [LayerGroupOptions.FreezeName] = 6, [LayerGroupOptions.ReinitializeName] = 1,
        });
        using var model = context.Model;
        method.Run(context, Quiet, CancellationToken.None);
        var original = data.Original.state_dict();
        foreach (var (key, t) in model.state_dict())
            Assert.Equal(!key.StartsWith("fc.", StringComparison.Ordinal), t.eq(original[key]).all().item<bool>());
    }
}
