using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Evaluation.Depth;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Tests.Core.Evaluation.Depth;
using Unlearning.Web.Components.Contrast;
using Unlearning.Web.Components.Views;

namespace Unlearning.Tests.Web.Components.Contrast;

/// <summary>The depth view: its chart model from stored results, and the component with data, without data and with bad stored data.</summary>
[Collection("Torch")]
public sealed class DepthViewTests : MudTestContext
{
    private static DepthResults With(double[] ua, double[] probe) => DepthTests.Good() with
    {
        Relearning = DepthTests.Good().Relearning with { UA = ua },
        Probes = DepthTests.Good().Probes with { Accuracy = probe },
    };

    [Fact]
    public void Model_has_a_relearning_line_per_model_and_probe_lines_without_the_original()
    {
        var m = DepthViewModel.Build(("ab12", With([0, 0.5, 1], [0.6, 0.7])), null, With([1, 1, 1], [0.9, 0.95]), With([0, 0, 0.2], [0.55, 0.6]));
        Assert.Equal(["Model A ab12", "Original", "Retrained"], m.Relearning.Select(l => l.Name));
        Assert.Equal(["Model A ab12", "Retrained"], m.Probes.Select(l => l.Name));
        Assert.Equal([0.0, 1, 5], m.Relearning[0].X);
        Assert.Equal(5, m.MaxStep);
        Assert.Equal([0.0, 1], m.Probes[0].X);
        Assert.Equal(0.5, m.Chance);
        Assert.Equal(ViewColors.ModelA, m.Relearning[0].Color);
        Assert.True(m.Relearning[2].Dashed);
        // Good() stores steps_to_half_reference = 5 and its best probe is the second layer.
        Assert.Equal("5 steps", m.Summaries[0].StepsToHalf);
        Assert.Equal("0.700 at fc", m.Summaries[0].BestProbe);
        Assert.Equal("–", m.Summaries[0].FinalRA);
        var withRa = DepthViewModel.Build(("ab12", With([0, 0.5, 1], [0.6, 0.7]) is var r ? r with { Relearning = r.Relearning with { RA = [0.9, 0.8, 0.25] } } : null), null, null, null);
        Assert.Equal("0.250", withRa.Summaries[0].FinalRA);
        Assert.Empty(m.Missing);
    }

    [Fact]
    public void Model_lists_missing_and_invalid_results_as_not_computed()
    {
        var bad = With([0, double.NaN, 1], [0.6, 0.7]);
        var m = DepthViewModel.Build(("ab12", bad), ("cd34", null), null, With([0, 0, 0.2], [0.55, 0.6]) with { Relearning = DepthTests.Good().Relearning with { StepsToHalfReference = null } });
        Assert.Equal(["Model A ab12", "Model B cd34", "Original"], m.Missing);
        Assert.Equal(["Retrained"], m.Relearning.Select(l => l.Name));
        Assert.Equal("not within 5 steps", m.Summaries[0].StepsToHalf);
        Assert.False(DepthViewModel.Build(null, null, null, null).HasData);
    }

    private ExperimentStore Setup()
    {
        // The shipped data folder: the queue checks that the dataset is installed (its worker is not started here).
        var (sp, store, _) = TestStore.New(Unlearning.Core.DataPaths.ResolveDataRoot("data"));
        Owned.Add(sp);
        Services.AddSingleton(store);
        Services.AddSingleton(sp.GetRequiredService<JobQueue>());
        store.Add(new Experiment { Id = "ab12", Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 6, ForgetSetId = "class-6", Type = ExperimentType.Unlearned, CreatedUtc = DateTime.UtcNow });
        return store;
    }

    private IRenderedComponent<DepthView> RenderView() => Render<DepthView>(p => p
        .Add(x => x.Dataset, "fashion-mnist").Add(x => x.Architecture, "compact").Add(x => x.ForgetSetId, "class-6").Add(x => x.ModelAId, "ab12"));

    [Fact]
    public void View_with_stored_results_draws_both_charts_and_the_chance_line()
    {
        var store = Setup();
        DepthDocument.Save(store.Artifacts, "ab12", With([0, 0.5, 1], [0.6, 0.7]));
        DepthDocument.Save(store.Artifacts, ExperimentIds.Retrained("fashion-mnist", "compact", 6), With([0, 0, 0.2], [0.55, 0.6]));
        var cut = RenderView();
        Assert.Equal(4, cut.FindAll("polyline.uc-depth-line").Count);   // relearning A + Retrained, probes A + Retrained
        Assert.Single(cut.FindAll("line.uc-depth-chance"));
        Assert.Contains("Not computed: Original", cut.Find(".uc-depth-missing").TextContent);
        Assert.Contains("5 steps", cut.Find(".uc-depth-summary").TextContent);
    }

    [Fact]
    public void View_without_results_says_so_and_offers_nothing_to_compute_for_a_model_without_checkpoint()
    {
        Setup();
        var cut = RenderView();
        Assert.Contains("No depth-of-forgetting results yet", cut.Markup);
        Assert.Empty(cut.FindAll("polyline"));
        Assert.True(cut.Find("button.uc-depth-compute").HasAttribute("disabled"));
    }

    [Fact]
    public void Compute_queues_a_depth_job_and_shows_its_progress_instead_of_the_button()
    {
        var store = Setup();
        var a = store.Get("ab12")!;
        a.CheckpointPath = "artifacts/ab12/model.pt";
        store.Update(a);
        var cut = RenderView();
        cut.Find("button.uc-depth-compute").Click();
        var job = Services.GetRequiredService<JobQueue>().List().Single();
        Assert.Equal(JobKind.Depth, job.Kind);
        Assert.Equal("ab12", job.BaseExperimentId);
        Assert.Empty(cut.FindAll("button.uc-depth-compute"));
        Assert.Single(cut.FindAll(".uc-depth-progress"));
    }

    [Fact]
    public void View_with_malformed_stored_data_does_not_throw()
    {
        var store = Setup();
        Directory.CreateDirectory(store.Artifacts.FolderOf("ab12"));
        File.WriteAllText(store.Artifacts.DepthPath("ab12"), "{\"relearning\":{\"steps\":[0,1],\"ua\":[0.1,2.5]},\"probes\":{\"layers\":[\"a\"],\"accuracy\":[]}}");
        var retrained = ExperimentIds.Retrained("fashion-mnist", "compact", 6);
        Directory.CreateDirectory(store.Artifacts.FolderOf(retrained));
        File.WriteAllText(store.Artifacts.DepthPath(retrained), "not json at all");
        var cut = RenderView();
        Assert.Contains("No depth-of-forgetting results yet", cut.Markup);
        Assert.Contains("Model A ab12", cut.Find(".uc-depth-missing").TextContent);
    }
}
