using Bunit;
using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Screen;

namespace Unlearning.Tests.Web.Components.Screen;

/// <summary>Stale results in the screening table (docs/views.md, "Screening table"; docs/results-format.md, "Stale results").</summary>
public class StaleRowsTests : MudTestContext
{
    private const string OriginalId = "0003-fashion-mnist-compact", RetrainedId = "a003-fashion-mnist-compact";
    private static readonly string OldO = new('1', 64), NewO = new('2', 64), R = new('3', 64);

    private static Experiment Run(string id, ExperimentType type, long seed, double ua, string? sha = null, string? refO = null) => new()
    {
        Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 3, ForgetSetId = "class-3", Type = type,
        Method = type == ExperimentType.Unlearned ? "FineTuning" : type == ExperimentType.Retrained ? "Retrain" : null,
        BaseId = type == ExperimentType.Unlearned ? OriginalId : null, HyperparametersJson = type == ExperimentType.Unlearned ? "{\"epochs\":2}" : "{}",
        Seed = seed, UA = ua, RA = 0.9, TUA = ua, TRA = 0.9, Status = ExperimentStatus.Ready, CreatedUtc = DateTime.UnixEpoch.AddMinutes(seed),
        CheckpointSha256 = sha, ReferenceOriginalSha256 = refO, ReferenceRetrainedSha256 = type == ExperimentType.Unlearned ? R : null, CheckpointPath = "m.pt",
    };

    private static List<Experiment> Rows() =>
    [
        Run(OriginalId, ExperimentType.Original, 0, 1.0, sha: NewO),
        Run(RetrainedId, ExperimentType.Retrained, 0, 0.0, sha: R),
        Run("old1", ExperimentType.Unlearned, 1, 0.5, refO: OldO),
        Run("old2", ExperimentType.Unlearned, 2, 0.7, refO: OldO),
        Run("new1", ExperimentType.Unlearned, 1, 0.1, refO: NewO),
        Run("new2", ExperimentType.Unlearned, 2, 0.3, refO: NewO),
    ];

    [Fact]
    public void Stale_runs_are_a_group_of_their_own_and_a_stale_forgetting_quality_result_is_not_shown()
    {
        var model = new ExperimentTableModel
        {
            ForgettingQuality = new Dictionary<string, ForgettingQualityRecord>
            {
                [Unlearning.Core.Experiments.Results.RunGroups.ConfigurationKey(Rows()[2])] = new()
                {
                    Dataset = "fashion-mnist", Architecture = "compact", ForgetSetId = "class-3", GroupKey = "k", F = 0.4, K = 2,
                    UnlearnedIdsJson = "[\"old1\",\"old2\"]",
                },
            },
        };
        var rows = model.Rows(Rows());
        Assert.Equal(4, rows.Count);
        var stale = rows.Single(r => r.Experiment.Id == "old1");
        var current = rows.Single(r => r.Experiment.Id == "new1");
        Assert.Equal(RowRole.GroupHead, stale.Role);
        Assert.True(stale.Stale.IsStale);
        Assert.StartsWith("All 2 runs of this group are stale", stale.Stale.Reason);
        Assert.Contains("Built from an earlier Original model (11111111)", stale.Stale.Reason);
        Assert.False(current.Stale.IsStale);
        // UA: current 0.1, 0.3 → 0.200 ± 0.141 (√(0.02 / 1)); stale 0.5, 0.7 → 0.600 ± 0.141.
        Assert.Equal("0.200 ± 0.141", current.Metrics[TableColumn.UA].Text);
        Assert.Equal("0.600 ± 0.141", stale.Metrics[TableColumn.UA].Text);
        // The forgetting-quality result scored the stale runs: neither group shows it.
        Assert.Equal("-", current.Metrics[TableColumn.FQ].Text);
        Assert.Equal("-", stale.Metrics[TableColumn.FQ].Text);

        // Asked: one group of four (mean 0.4), whose head says how many are stale; the result is shown.
        model.IncludeStale = true;
        rows = model.Rows(Rows());
        var all = Assert.Single(rows, r => r.Role == RowRole.GroupHead);
        Assert.Equal(4, all.Runs.Count);
        Assert.StartsWith("0.400 ± ", all.Metrics[TableColumn.UA].Text);
        Assert.Equal("2 of the 4 runs of this group are stale and counted in its statistics because you asked.", all.Stale.Reason);
        Assert.Equal("0.400", all.Metrics[TableColumn.FQ].Text);
        model.ToggleGroup(all.GroupKey);
        var members = model.Rows(Rows()).Where(r => r.Role == RowRole.Member).ToDictionary(r => r.Experiment.Id, r => r.Stale.IsStale);
        Assert.Equal(new Dictionary<string, bool> { ["old1"] = true, ["new1"] = false, ["old2"] = true, ["new2"] = false }, members);
    }

    [Fact]
    public void The_badge_shows_the_reason_and_a_click_counts_stale_runs_too()
    {
        var cut = Render<ExperimentTable>(p => p.Add(t => t.Experiments, Rows()));
        Assert.Single(cut.FindAll(".stale-badge"));
        var staleRow = cut.Find("tr[data-id='old1']");
        Assert.NotNull(staleRow.QuerySelector(".stale-badge"));
        Assert.Null(cut.Find("tr[data-id='new1']").QuerySelector(".stale-badge"));
        Assert.Contains("Built from an earlier Original model", staleRow.QuerySelector(".stale-badge")!.GetAttribute("aria-label"));
        Assert.Equal(4, cut.FindAll("tbody tr").Count);

        cut.Find(".stale-badge").Click();
        // One group of four now, its head marked; the click did not open the row's popover or select anything.
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("tbody tr").Count));
        Assert.True(cut.Instance.Model.IncludeStale);
        Assert.Single(cut.FindAll(".stale-badge"));
        cut.Find(".stale-badge").Click();
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("tbody tr").Count));
    }

    [Fact]
    public void The_badges_tooltip_says_what_is_left_out_and_how_to_count_it()
    {
        var row = new ExperimentTableModel().Rows(Rows()).Single(r => r.Experiment.Id == "old1");
        var badge = Render<StaleBadge>(p => p.Add(b => b.Row, row).Add(b => b.Included, false));
        Assert.EndsWith("Not counted with current runs in group statistics or forgetting quality; click to count stale runs too.", badge.Instance.Tooltip);
        Assert.StartsWith("All 2 runs", badge.Instance.Tooltip);
        var current = new ExperimentTableModel().Rows(Rows()).Single(r => r.Experiment.Id == "new1");
        Assert.Empty(Render<StaleBadge>(p => p.Add(b => b.Row, current)).Markup.Trim());
    }
}
