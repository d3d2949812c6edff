using System.Text.Json;
using Unlearning.Core.Methods;

namespace Unlearning.Tests.Core.Methods;

/// <summary>The options records: schema, defaults and typed values from one declaration, and the one parser.</summary>
[Collection("Torch")]
public class MethodOptionsTests
{
    private static readonly string[] Layers = [LayerGroupOptions.FreezeName, LayerGroupOptions.ReinitializeName];

    [Fact]
    public void Schema_comes_from_the_record_in_parameter_order_with_the_stored_names()
    {
        // Every record's own hyperparameters, then the two layer-group ones of the shared scaffolding (LayerGroupTests).
        Assert.Equal(["epochs", "learning_rate", "batch_size", "eta_min", "retain_fraction", .. Layers], new FineTuning().Hyperparameters.Select(h => h.Name));
        Assert.Equal(["epochs", "learning_rate", "batch_size", "max_grad_norm", .. Layers], new GradientAscent().Hyperparameters.Select(h => h.Name));
        Assert.Equal(["epochs", "learning_rate", "batch_size", "retain_fraction", .. Layers], new RandomLabeling().Hyperparameters.Select(h => h.Name));
        Assert.Equal(["epochs", "learning_rate", "batch_size", "alpha", "gamma", "kd_temperature", "retain_fraction", .. Layers], new Scrub().Hyperparameters.Select(h => h.Name));
        Assert.Equal(["epochs", "learning_rate", "batch_size", "saliency_kept", "retain_fraction", .. Layers], new SalUn().Hyperparameters.Select(h => h.Name));
        Assert.Equal(["epochs", "learning_rate", "batch_size", "lambda_1", "lambda_2", "kd_temperature", "tukey_delta", "gamma1", "gamma2",
            "surrogate_steps", "surrogate_images", "stats_per_class", "stop_accuracy", .. Layers], new Scar().Hyperparameters.Select(h => h.Name));
        Assert.Equal(["batch_size", "selection_weight", "dampening_constant", "importance_fraction", .. Layers], new SelectiveSynapticDampening().Hyperparameters.Select(h => h.Name));
        Assert.Equal(["epochs", "learning_rate", "batch_size", "kd_temperature", "retain_fraction", .. Layers], new BadTeacher().Hyperparameters.Select(h => h.Name));
        // Bad Teacher's learning rate is Adam's (as the paper), under the shared stored name and still a grid hyperparameter.
        var adam = new BadTeacher().Hyperparameters[1];
        Assert.Equal((HyperparameterSpec.LearningRateName, true), (adam.Name, adam.Grid));
        Assert.Contains("Adam", adam.Help);
        var lr = new Scrub().Hyperparameters[1];
        Assert.Equal(("Learning rate", HyperparameterType.Double, 1e-6, 1.0, true), (lr.DisplayName, lr.Type, lr.Min, lr.Max, lr.Grid));
        Assert.False(new Scrub().Hyperparameters.Single(h => h.Name == "alpha").Grid);
        Assert.Equal(HyperparameterType.Int, new FineTuning().Hyperparameters[0].Type);
    }

    /// <summary>The compact model's defaults as the calibration table (benchmark-methods, class 6) fixed them before the records existed.</summary>
    [Theory]
    [InlineData("FineTuning", 2, 0.05, 128, 0.5)]
    [InlineData("GradientAscent", 1, 0.00015, 256, double.NaN)]
    [InlineData("RandomLabeling", 2, 0.01, 128, 0.2)]
    [InlineData("SCRUB", 2, 0.02, 128, 0.3)]
    [InlineData("SalUn", 2, 0.01, 128, 0.3)]
    [InlineData("SCAR", 4, 0.0005, 256, double.NaN)]
    [InlineData("BadTeacher", 1, 0.0003, 256, 0.3)]
    // docs/methods.md, "Compact calibration of the guided methods": the original's lr 0.01, half the retain set.
    [InlineData("GAFT", 2, 0.01, 128, 0.5)]
    [InlineData("GASLFT", 2, 0.01, 128, 0.5)]
    [InlineData("GASLFTV2", 2, 0.01, 128, 0.5)]
    public void Compact_defaults_keep_the_calibrated_values(string name, double epochs, double lr, double batch, double retainFraction)
    {
        var d = new MethodCatalog(MethodServiceCollectionExtensions.BuiltIns()).Get(name).DefaultsFor("compact");
        Assert.Equal((epochs, lr, batch), (d["epochs"], d["learning_rate"], d["batch_size"]));
        if (double.IsNaN(retainFraction)) Assert.False(d.ContainsKey("retain_fraction"));
        else Assert.Equal(retainFraction, d["retain_fraction"]);
    }

    [Fact]
    public void Ssd_compact_defaults_keep_the_calibrated_values_and_have_no_epochs()
    {
        // docs/methods.md, "SSD": α = 6, λ = 2.5 on the compact model; the importances on all the training data.
        var d = new SelectiveSynapticDampening().DefaultsFor("compact");
        Assert.Equal((64.0, 6.0, 2.5, 1.0), (d["batch_size"], d["selection_weight"], d["dampening_constant"], d["importance_fraction"]));
        Assert.Equal(new SsdOptions(64, 6, 2.5, 1), new SelectiveSynapticDampening().DefaultOptions("compact"));
        Assert.False(d.ContainsKey("epochs"));
        Assert.False(d.ContainsKey("learning_rate"));
    }

    [Fact]
    public void Typed_options_read_the_stored_values_and_write_them_back_under_the_same_names()
    {
        var scrub = new Scrub();
        var options = scrub.Options(new Dictionary<string, double> { ["epochs"] = 3, ["Learning_Rate"] = 0.05, ["kd_temperature"] = 4 });
        Assert.Equal(new ScrubOptions(3, 0.05, 128, 0.5, 1.0, 4, 1), options);
        var stored = Scrub.Schema.ToValues(options);
        Assert.Equal(Scrub.Schema.Specs.Select(h => h.Name), stored.Keys);
        Assert.Equal(scrub.Hyperparameters.Select(h => h.Name).SkipLast(2), stored.Keys);
        Assert.Equal(0.05, stored["learning_rate"]);
        Assert.Equal(options, scrub.Options(stored));
        Assert.Equal(new FineTuningOptions(2, 0.05, 128, 0, 0.5), new FineTuning().DefaultOptions("compact"));
        var e = Assert.Throws<ArgumentException>(() => scrub.Options(new Dictionary<string, double> { ["epochs"] = 0 }));
        Assert.Equal("SCRUB: epochs (Epochs): Must be between 1 and 200. Got 0.", e.Message.Split(" (Parameter")[0]);
    }

    private sealed record Undeclared([Epochs(2)] int Epochs, double LearningRate);

    private sealed record DefaultOutOfRange([Hyperparameter("x", "X", 5, 0, 1, "help")] double X);

    [Fact]
    public void A_record_with_an_undeclared_or_inconsistent_parameter_is_refused()
    {
        Assert.Contains("LearningRate", Assert.Throws<InvalidOperationException>(() => OptionsSchema.For<Undeclared>()).Message);
        Assert.Contains("Must be between 0 and 1", Assert.Throws<InvalidOperationException>(() => OptionsSchema.For<DefaultOutOfRange>()).Message);
    }

    [Fact]
    public void Text_values_from_the_form_or_the_command_line_parse_with_the_form_messages()
    {
        var ft = new FineTuning();
        var values = MethodOptionsParser.FromText(ft, new Dictionary<string, string> { ["epochs"] = "3", ["learning_rate"] = "0.01, 0.02" });
        Assert.Equal([3.0], values["epochs"]);
        Assert.Equal([0.01, 0.02], values["learning_rate"]);
        var bad = Assert.Throws<ArgumentException>(() => MethodOptionsParser.FromText(ft, new Dictionary<string, string> { ["epochs"] = "abc" }));
        Assert.StartsWith("Fine-Tuning: epochs (Epochs): Not a number. Got 'abc'.", bad.Message);
        var frac = Assert.Throws<ArgumentException>(() => MethodOptionsParser.FromText(ft, new Dictionary<string, string> { ["epochs"] = "2.5" }));
        Assert.Contains("Must be a whole number.", frac.Message);
        var unknown = Assert.Throws<ArgumentException>(() => MethodOptionsParser.FromText(ft, new Dictionary<string, string> { ["momentum"] = "0.9" }));
        Assert.Contains("Known: epochs, learning_rate, batch_size, eta_min, retain_fraction", unknown.Message);
    }

    [Fact]
    public void One_run_from_command_line_flags_takes_one_value_each_and_fills_the_defaults()
    {
        var ft = new FineTuning();
        var values = MethodOptionsParser.Parse(ft, "compact", new Dictionary<string, string> { ["epochs"] = "3" });
        Assert.Equal(3, values["epochs"]);
        Assert.Equal(0.05, values["learning_rate"]);   // the compact default
        Assert.Equal(new FineTuningOptions(3, 0.05, 128, 0, 0.5), ft.Options(values));
        Assert.Contains("takes one value here", Assert.Throws<ArgumentException>(() =>
            MethodOptionsParser.Parse(ft, "compact", new Dictionary<string, string> { ["epochs"] = "2,3" })).Message);
        // A name the method does not have is refused, not ignored: SSD trains no epochs.
        var ssd = Assert.Throws<ArgumentException>(() =>
            MethodOptionsParser.Parse(new SelectiveSynapticDampening(), "compact", new Dictionary<string, string> { ["epochs"] = "2" }));
        Assert.StartsWith("SSD has no hyperparameter 'epochs'. Known: batch_size, selection_weight, dampening_constant, importance_fraction, freeze_first_k_layers, reinit_last_k_layers.", ssd.Message);
    }

    [Fact]
    public void Json_values_are_numbers_or_lists_of_numbers()
    {
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"epochs": 2, "learning_rate": [0.1, 0.01]}""")!;
        var values = MethodOptionsParser.FromJson(json);
        Assert.Equal([2.0], values["epochs"]);
        Assert.Equal([0.1, 0.01], values["learning_rate"]);
        var text = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"epochs": "2"}""")!;
        Assert.Contains("must be a number or a list of numbers", Assert.Throws<ArgumentException>(() => MethodOptionsParser.FromJson(text)).Message);
    }

    [Fact]
    public void Grid_expansion_refuses_lists_for_single_values_and_more_jobs_than_the_cap()
    {
        var ft = new FineTuning();
        var single = Assert.Throws<ArgumentException>(() => MethodOptionsParser.Expand(ft, "compact", new Dictionary<string, double[]> { ["eta_min"] = [0, 0.001] }));
        Assert.Contains("eta_min (Final learning rate (η_min)) takes a single value (only epochs, learning_rate, batch_size accept lists)", single.Message);

        // 5 × 5 × 2 = 50 combinations: more than the default 25.
        var big = new Dictionary<string, double[]> { ["epochs"] = [1, 2, 3, 4, 5], ["learning_rate"] = [0.1, 0.05, 0.01, 0.005, 0.001], ["batch_size"] = [32, 64] };
        var capped = Assert.Throws<ArgumentException>(() => MethodOptionsParser.Expand(ft, "compact", big));
        Assert.Contains("expands to 50 jobs", capped.Message);
        Assert.Contains("at most 25 are allowed per request", capped.Message);
        Assert.Equal(50, MethodOptionsParser.Expand(ft, "compact", big, maxJobs: 50).Count);
        var small = new Dictionary<string, double[]> { ["epochs"] = [1, 2, 3], ["batch_size"] = [32, 64, 128, 256] };
        Assert.Contains("expands to 12 jobs", Assert.Throws<ArgumentException>(() => MethodOptionsParser.Expand(ft, "compact", small, maxJobs: 10)).Message);

        // A bad value inside a list is named even when another combination would be valid.
        var bad = Assert.Throws<ArgumentException>(() => MethodOptionsParser.Expand(ft, "compact", new Dictionary<string, double[]> { ["learning_rate"] = [0.01, 5] }));
        Assert.StartsWith("Fine-Tuning: learning_rate (Learning rate): Must be between 1e-06 and 1. Got 5.", bad.Message);

        // The resnet18 defaults fill what the request leaves out.
        var one = Assert.Single(MethodOptionsParser.Expand(ft, "resnet18", new Dictionary<string, double[]> { ["epochs"] = [3] }));
        Assert.Equal((3.0, 0.01, 1.0), (one["epochs"], one["learning_rate"], one["retain_fraction"]));
    }

    [Fact]
    public void L1_sparse_penalty_decays_linearly_from_gamma()
    {
        // γ = 4e-4 over 4 epochs: 4e-4, 3e-4, 2e-4, 1e-4 (by hand).
        Assert.Equal([4e-4, 3e-4, 2e-4, 1e-4], Enumerable.Range(0, 4).Select(e => L1Sparse.PenaltyWeight(4e-4, e, 4)), new Tolerance(1e-15));
        Assert.Equal(0.0, L1Sparse.PenaltyWeight(0, 0, 3));
    }

    [Fact]
    public void NegGrad_plus_joint_loss_weights_retain_descent_against_forget_ascent()
    {
        // Retain logits (2, 0) with label 0: CE = ln(1 + e^-2) = 0.126928…; forget logits (0, 1) with label 1:
        // CE = ln(1 + e^-1) = 0.313262…; α = 0.9: 0.9·0.126928 − 0.1·0.313262 = 0.0829090 (by hand).
        using var retain = TorchSharp.torch.tensor(new float[] { 2, 0 }).reshape(1, 2);
        using var forget = TorchSharp.torch.tensor(new float[] { 0, 1 }).reshape(1, 2);
        using var y0 = TorchSharp.torch.tensor(new long[] { 0 });
        using var y1 = TorchSharp.torch.tensor(new long[] { 1 });
        using var loss = NegGradPlus.JointLoss(retain, y0, forget, y1, 0.9);
        Assert.Equal(0.08290904118685306, loss.item<float>(), 5);
        using var onlyForget = NegGradPlus.JointLoss(retain, y0, forget, y1, 0);
        Assert.Equal(-0.31326168751822286, onlyForget.item<float>(), 5);
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double v) => 0;
    }
}
