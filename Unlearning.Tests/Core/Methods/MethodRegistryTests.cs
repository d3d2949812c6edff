using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Methods;
using Unlearning.Core.Training;

namespace Unlearning.Tests.Core.Methods;

[Collection("Torch")]
public sealed class MethodRegistryTests(SyntheticUnlearningData data) : IClassFixture<SyntheticUnlearningData>
{
    private static string SamplePluginFolder => Path.Combine(AppContext.BaseDirectory, "plugins-sample");

    [Fact]
    public void Built_ins_have_the_original_names_and_UI_defaults()
    {
        // null = the method has no such hyperparameter (SSD trains no epochs and has no learning rate).
        var expected = new Dictionary<string, (double? Epochs, double? Lr, double Batch)>
        {
            ["FineTuning"] = (10, 0.01, 128), ["GradientAscent"] = (7, 0.0001, 256), ["RandomLabeling"] = (3, 0.001, 64),
            ["SCRUB"] = (5, 0.01, 128), ["SalUn"] = (5, 0.001, 128),
            ["NegGradPlus"] = (5, 0.01, 128),   // not in the original: our defaults (docs/methods.md, "NegGrad+")
            ["L1Sparse"] = (10, 0.01, 128),     // not in the original: Fine-Tuning's (docs/methods.md, "ℓ1-sparse")
            // Not in the original: the authors' code (docs/methods.md, "Boundary Shrink and Boundary Expanding").
            ["BoundaryShrink"] = (10, 1e-5, 128), ["BoundaryExpanding"] = (10, 1e-5, 128),
            ["SCAR"] = (30, 0.0005, 1024),      // not in the original: the authors' (docs/methods.md, "SCAR")
            ["SSD"] = (null, null, 64),         // not in the original: the paper's (docs/methods.md, "SSD")
            ["BadTeacher"] = (1, 0.0001, 256),  // not in the original: the paper's (docs/methods.md, "Bad Teacher")
            // The original's API-only methods, with its UI defaults (docs/methods.md, "GA+FT", "GA+SL+FT (guided unlearning)", "GA+SL+FT V2").
            ["GAFT"] = (4, 0.01, 128), ["GASLFT"] = (5, 0.01, 128), ["GASLFTV2"] = (4, 0.01, 128),
        };
        var catalog = new MethodCatalog(MethodServiceCollectionExtensions.BuiltIns());
        Assert.Equal(expected.Keys, catalog.All.Select(m => m.Name));
        foreach (var m in catalog.All)
        {
            var d = m.DefaultsFor("resnet18");
            double? Get(string name) => d.TryGetValue(name, out var v) ? v : null;
            Assert.Equal(expected[m.Name], (Get("epochs"), Get("learning_rate"), d["batch_size"]));
            Assert.All(m.Hyperparameters.Where(h => h.Name is "epochs" or "learning_rate" or "batch_size"), h => Assert.True(h.Grid));
            // The compact defaults are valid values of the schema and differ from the ResNet-18 ones in at least one value.
            var compact = m.DefaultsFor("compact");
            HyperparameterValidation.Validate(m, compact);
            Assert.Contains(d, kv => compact[kv.Key] != kv.Value);
        }
        Assert.Equal(0, catalog.Get("FineTuning").Hyperparameters.Single(h => h.Name == "eta_min").Default);
        var scrub = catalog.Get("scrub").DefaultsFor("resnet18");
        Assert.Equal((0.5, 1.0, 2.0), (scrub["alpha"], scrub["gamma"], scrub["kd_temperature"]));
        Assert.Equal(0.75, catalog.Get("SalUn").DefaultsFor("resnet18")["saliency_kept"]);
        var ssd = catalog.Get("SSD").DefaultsFor("resnet18");
        Assert.Equal((10.0, 1.0, 1.0), (ssd["selection_weight"], ssd["dampening_constant"], ssd["importance_fraction"]));   // the paper's α, λ, all data
        var badTeacher = catalog.Get("BadTeacher").DefaultsFor("resnet18");
        Assert.Equal((1.0, 0.3), (badTeacher["kd_temperature"], badTeacher["retain_fraction"]));                         // the paper's T and 30 % of the retain set
    }

    [Fact]
    public void Catalog_rejects_unknown_names_listing_the_known_ones()
    {
        var catalog = new MethodCatalog(MethodServiceCollectionExtensions.BuiltIns());
        var e = Assert.Throws<ArgumentException>(() => catalog.Get("Magic"));
        Assert.Contains("Magic", e.Message);
        Assert.Contains("SalUn", e.Message);
        Assert.Throws<ArgumentException>(() => new MethodCatalog([new FineTuning(), new FineTuning()]));
    }

    [Fact]
    public void Validation_fills_defaults_and_keeps_given_values()
    {
        var v = HyperparameterValidation.Validate(new Scrub(), new Dictionary<string, double> { ["Learning_Rate"] = 0.05, ["epochs"] = 2 });
        Assert.Equal(0.05, v["learning_rate"]);
        Assert.Equal(2, v["epochs"]);
        Assert.Equal(128, v["batch_size"]);
        Assert.Equal(0.5, v["alpha"]);
        Assert.Equal(new Scrub().Hyperparameters.Count, v.Count);
        Assert.Equal(v.Count, HyperparameterValidation.Validate(new Scrub(), null).Count);
    }

    [Theory]
    [InlineData("learning_rate", double.NaN, "Not a number.")]
    [InlineData("learning_rate", double.PositiveInfinity, "Not a number.")]
    [InlineData("learning_rate", -0.01, "Must be between 1e-06 and 1.")]
    [InlineData("epochs", 0, "Must be between 1 and 200.")]
    [InlineData("epochs", 2.5, "Must be a whole number.")]
    [InlineData("batch_size", 100000, "Must be between 1 and 4096.")]
    [InlineData("alpha", -1, "Must be between 0 and 100.")]
    [InlineData("momentum", 0.5, "Known: epochs")]
    public void Validation_rejects_bad_values_naming_the_parameter(string name, double value, string messagePart)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            HyperparameterValidation.Validate(new Scrub(), new Dictionary<string, double> { [name] = value }));
        Assert.Contains(name, e.Message);
        Assert.Contains(messagePart, e.Message);
        Assert.StartsWith("SCRUB", e.Message);
    }

    [Fact]
    public void Plugin_loader_discovers_the_sample_plugin_and_it_runs()
    {
        var report = PluginLoader.Discover(SamplePluginFolder);
        Assert.Empty(report.Failures);
        var method = Assert.Single(report.Methods);
        Assert.Equal("GAThenFT", method.Name);
        Assert.NotEqual(typeof(FineTuning).Assembly, method.GetType().Assembly);

        // Gentle settings: 4 ascent steps at lr 0.05 on half the retain set wrecked the neighbouring classes (they share a
        // block with the forget class) to 77.8 % on seed 2048 while the repair pass could not catch up. With 2 ascent
        // steps at lr 0.02 and the whole retain set for repair, seeds 2048, 1 and 2 all ended at 0 % forget / 100 % retain.
        var context = data.Context(method, new Dictionary<string, double>
        {
            ["epochs"] = 3, ["learning_rate"] = 0.02, ["batch_size"] = 16, ["ascent_steps"] = 2, ["retain_fraction"] = 1,
        });
        using var model = context.Model;
        int reports = 0;
        var result = method.Run(context, new CallbackProgress<UnlearningProgress>(_ => reports++), CancellationToken.None);
        Assert.Equal(3, result.Epochs.Count);
        Assert.True(reports > 3);
        data.AssertForgotAndKept("the sample plug-in", model);
    }

    [Fact]
    public void Plugin_loader_reports_a_corrupt_dll_instead_of_throwing()
    {
        var folder = Directory.CreateTempSubdirectory("plugins-").FullName;
        try
        {
            File.Copy(Path.Combine(SamplePluginFolder, "SamplePlugin.dll"), Path.Combine(folder, "SamplePlugin.dll"));
            File.WriteAllBytes(Path.Combine(folder, "Broken.dll"), [0x4D, 0x5A, 1, 2, 3, 4, 5, 6, 7, 8]);
            var report = PluginLoader.Discover(folder);
            Assert.Equal("GAThenFT", Assert.Single(report.Methods).Name);
            var failure = Assert.Single(report.Failures);
            Assert.EndsWith("Broken.dll", failure.Path);
            Assert.False(string.IsNullOrWhiteSpace(failure.Error));
            Assert.Empty(PluginLoader.Discover(Path.Combine(folder, "missing")).Methods);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AddUnlearningMethods_registers_built_ins_plugins_and_the_catalog()
    {
        using var provider = new ServiceCollection().AddUnlearningMethods(SamplePluginFolder).BuildServiceProvider();
        var catalog = provider.GetRequiredService<MethodCatalog>();
        Assert.Equal(["FineTuning", "GradientAscent", "RandomLabeling", "SCRUB", "SalUn", "NegGradPlus", "L1Sparse", "BoundaryShrink", "BoundaryExpanding", "SCAR", "SSD", "BadTeacher", "GAFT", "GASLFT", "GASLFTV2", "GAThenFT"], catalog.All.Select(m => m.Name));
        Assert.Same(catalog, provider.GetRequiredService<MethodCatalog>());
        Assert.Empty(provider.GetRequiredService<PluginLoadReport>().Failures);
        Assert.Equal(16, provider.GetServices<IUnlearningMethod>().Count());

        using var noPlugins = new ServiceCollection().AddUnlearningMethods(null).BuildServiceProvider();
        Assert.Equal(15, noPlugins.GetRequiredService<MethodCatalog>().All.Count);
    }
}
