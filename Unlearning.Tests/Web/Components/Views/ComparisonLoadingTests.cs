using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Attack;
using Unlearning.Web.Components.Contrast;

namespace Unlearning.Tests.Web.Components.Views;

/// <summary>The panels load models by id through the injected Core reader (no results given).</summary>
public class ComparisonLoadingTests : MudTestContext
{
    private ExperimentStore Store()
    {
        var (sp, store, _) = TestStore.New();
        Owned.Add(sp);
        Services.AddSingleton(new ExperimentResultsReader(store));
        return store;
    }

    private static void Add(ExperimentStore store, string id, ExperimentType type, Unlearning.Core.Evaluation.ExperimentResults results)
    {
        var e = new Experiment
        {
            Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = ViewFixtures.ForgetClass, Type = type,
            CreatedUtc = DateTime.UtcNow, Status = ExperimentStatus.Ready,
        };
        e.ResultsPath = store.Artifacts.Relative(ResultsDocument.Save(store.Artifacts, id, results));
        store.Add(e);
    }

    [Fact]
    public void Contrast_panel_reads_both_models_and_labels_them_with_their_stored_types()
    {
        var store = Store();
        Add(store, "aaaa", ExperimentType.Uploaded, ViewFixtures.ModelA());
        Add(store, "bbbb", ExperimentType.Unlearned, ViewFixtures.ModelB());
        var cut = Render<ContrastPanel>(p => p
            .Add(c => c.Dataset, "fashion-mnist").Add(c => c.Architecture, "compact").Add(c => c.ForgetClass, ViewFixtures.ForgetClass)
            .Add(c => c.ModelAId, "aaaa").Add(c => c.ModelBId, "bbbb"));
        cut.WaitForAssertion(() => Assert.Contains("Model A (Uploaded, aaaa)", cut.Markup));
        Assert.Contains("Model B (Unlearned, bbbb)", cut.Markup);
    }

    [Fact]
    public void Attack_panel_reads_the_retrained_model_of_the_forget_class_by_its_baseline_id()
    {
        var store = Store();
        Add(store, "aaaa", ExperimentType.Unlearned, ViewFixtures.ModelA());
        Add(store, "bbbb", ExperimentType.Unlearned, ViewFixtures.ModelB());
        Add(store, ExperimentIds.Retrained("fashion-mnist", "compact", ViewFixtures.ForgetClass), ExperimentType.Retrained, ViewFixtures.Retrained());
        var cut = Render<AttackPanel>(p => p
            .Add(c => c.Dataset, "fashion-mnist").Add(c => c.Architecture, "compact").Add(c => c.ForgetClass, ViewFixtures.ForgetClass)
            .Add(c => c.ModelAId, "aaaa").Add(c => c.ModelBId, "bbbb"));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".uc-attack-side").Count));
        // Same numbers as with the results given (AttackPanelTests): 1 − 0.1 at τ = 1.25.
        Assert.Contains("0.900", cut.FindAll(".uc-privacy-score")[0].TextContent);
    }
}
