using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Experiments.Results;
using Unlearning.Web.Components.Privacy;
using Unlearning.Web.Components.Screen;

namespace Unlearning.Tests.Web.Components.Privacy;

/// <summary>The per-example privacy view: its model from a stored result, and the component with data, without and with a damaged file.</summary>
[Collection("Torch")]
public sealed class ForgettingQualityViewTests : MudTestContext
{
    private static ForgettingQualityRecord Record(int k = 8) => new()
    {
        Id = 1, Dataset = "fashion-mnist", Architecture = "compact", ForgetSetId = "class-6", GroupKey = "g", K = k, F = 0.3, Score = 0.29,
        CeilingF = 0.2, CeilingK = 4, CreatedUtc = DateTime.UtcNow,
    };

    /// <summary>Five examples with ε 0.2, 2.5, 1.2, 50, 0.7 (points at K = 8: 1, 0, ¼, 0, ½).</summary>
    private static ForgettingQualityDetails Details(int k = 8) => new()
    {
        K = k, ForgetIndexes = [10, 11, 12, 13, 14], Epsilon = [0.2, 2.5, 1.2, 50, 0.7], Points = [1, 0, 0.25, 0, 0.5],
        UnlearnedIds = [.. Enumerable.Range(0, k).Select(i => $"u{i}")], RetrainedIds = [.. Enumerable.Range(0, k).Select(i => $"r{i}")],
        Unlearned = [.. Enumerable.Range(0, k).Select(m => new double[] { m, m + 1, m + 2, m + 3, m + 4 })],
        Retrained = [.. Enumerable.Range(0, k).Select(m => new double[] { -m, -m, -m, -m, -m })],
    };

    [Fact]
    public void Model_ranks_by_epsilon_and_bins_in_the_point_buckets()
    {
        var m = ForgettingQualityViewModel.Build(Record(), Details())!;
        Assert.Equal([13, 11, 12, 14, 10], m.Ranked.Select(e => e.Index));
        Assert.Equal(8, m.Ranked[0].Unlearned.Length);
        Assert.Equal(3.0, m.Ranked[0].Unlearned[0]);   // model 0's value for example 13 (column 3)
        // Buckets at K = 8: [0, .5) [.5, 1) [1, 1.5) [1.5, 2) and ≥ 2.
        Assert.Equal([1, 1, 1, 0, 2], m.Histogram.Select(b => b.Count));
        Assert.Equal([1, 0.5, 0.25, 0.125, 0], m.Histogram.Select(b => b.Points));
        Assert.Equal(2, ForgettingQualityViewModel.Build(Record(), Details(), gridSize: 2)!.Ranked.Count);
    }

    [Fact]
    public void Model_refuses_details_that_do_not_fit()
    {
        Assert.Null(ForgettingQualityViewModel.Build(Record(), null));
        Assert.Null(ForgettingQualityViewModel.Build(Record(k: 4), Details()));
        var nan = Details();
        nan.Epsilon[2] = double.NaN;
        Assert.Null(ForgettingQualityViewModel.Build(Record(), nan));
        var ragged = Details();
        ragged.Unlearned[3] = [1, 2];
        Assert.Null(ForgettingQualityViewModel.Build(Record(), ragged));
    }

    private ExperimentStore Setup(ForgettingQualityDetails? details, string? rawFile = null)
    {
        var (sp, store, _) = TestStore.New(Unlearning.Core.DataPaths.ResolveDataRoot("data"));
        Owned.Add(sp);
        Services.AddSingleton(store);
        Services.AddSingleton(sp.GetRequiredService<ForgettingQualityService>());
        var run = new Experiment
        {
            Id = "ab12", Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 6, ForgetSetId = "class-6", Type = ExperimentType.Unlearned,
            Method = "FineTuning", BaseId = "0006", CreatedUtc = DateTime.UtcNow, Status = ExperimentStatus.Ready,
        };
        store.Add(run);
        if (details is not null || rawFile is not null)
        {
            var path = Path.Combine(store.Artifacts.AppFolder, JobRunner.ForgettingQualityFolder, "r.json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, rawFile ?? JsonSerializer.Serialize(details));
            var r = Record();
            r.Id = 0;
            r.GroupKey = RunGroups.ConfigurationKey(run);
            r.DetailsPath = store.Artifacts.Relative(path);
            store.AddForgettingQuality(r);
        }
        return store;
    }

    private IRenderedComponent<ForgettingQualityView> RenderView() =>
        Render<ForgettingQualityView>(p => p.Add(x => x.ModelAId, "ab12").Add(x => x.Dataset, "fashion-mnist"));

    [Fact]
    public void View_with_a_result_shows_the_summary_histogram_and_grid()
    {
        Setup(Details());
        var cut = RenderView();
        Assert.Contains("F = 0.300", cut.Find(".uc-fq-summary").TextContent);
        Assert.Contains("ceiling 0.200", cut.Find(".uc-fq-summary").TextContent);
        Assert.Equal(5, cut.FindAll("g.uc-fq-bin").Count);
        Assert.Equal(5, cut.FindAll("img.uc-fq-img").Count);
        Assert.Contains("train/13", cut.FindAll("img.uc-fq-img")[0].GetAttribute("src"));
        Assert.Equal(16, cut.FindAll(".uc-fq-strip circle").Count);   // the first example hovered: 8 + 8 models
        cut.FindAll("img.uc-fq-img")[2].MouseEnter();
        Assert.Contains("train #12", cut.Find(".uc-fq-strip").TextContent);
    }

    [Fact]
    public void View_without_a_result_says_how_to_get_one()
    {
        Setup(null);
        var cut = RenderView();
        Assert.Contains("FQ action", cut.Find(".uc-fq-message").TextContent);
    }

    [Fact]
    public void View_with_a_damaged_file_shows_the_summary_only()
    {
        Setup(null, rawFile: "{\"k\": 8, \"epsilon\": [1, 2");
        var cut = RenderView();
        Assert.Contains("missing or damaged", cut.Find(".uc-fq-message").TextContent);
    }

    [Fact]
    public void Table_cell_shows_f_against_its_ceiling_with_the_score_on_hover()
    {
        var model = new ExperimentTableModel();
        var run = new Experiment
        {
            Id = "ab12", Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 6, ForgetSetId = "class-6", Type = ExperimentType.Unlearned,
            Method = "FineTuning", BaseId = "0006", CreatedUtc = DateTime.UtcNow, Status = ExperimentStatus.Ready,
        };
        var r = Record();
        r.GroupKey = RunGroups.ConfigurationKey(run);
        model.ForgettingQuality = new Dictionary<string, ForgettingQualityRecord> { [r.GroupKey] = r };
        var cell = model.Rows([run])[0].Metrics[TableColumn.FQ];
        Assert.Equal("0.300 / 0.20", cell.Text);
        Assert.Contains("score", cell.Title);
        Assert.Contains("K = 8", cell.Title);
        Assert.Equal("-", new ExperimentTableModel().Rows([run])[0].Metrics[TableColumn.FQ].Text);
    }
}
