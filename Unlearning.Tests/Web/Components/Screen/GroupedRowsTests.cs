using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Build;
using Unlearning.Web.Components.Screen;
using Unlearning.Web.State;

namespace Unlearning.Tests.Web.Components.Screen;

/// <summary>Seed groups and the gap in the screening table's model, seeds in the builder, sample-set tabs in the URL (docs/forget-sets.md).</summary>
public class GroupedRowsTests
{
    private static Experiment Run(string id, ExperimentType type, long seed, double ua, double ra, double? tua, double tra, double lr = 0.05, double? ps = null) => new()
    {
        Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetSetId = "s0123456789", ForgetClass = -1, Type = type,
        Method = type == ExperimentType.Unlearned ? "FineTuning" : type == ExperimentType.Retrained ? "Retrain" : null,
        BaseId = type == ExperimentType.Unlearned ? "000s-s0123456789-fashion-mnist-compact" : null,
        HyperparametersJson = type == ExperimentType.Unlearned ? $"{{\"epochs\":2,\"learning_rate\":{lr.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}" : "{}",
        Seed = seed, UA = ua, RA = ra, TUA = tua, TRA = tra, PS = ps, Status = ExperimentStatus.Ready, CreatedUtc = DateTime.UnixEpoch.AddMinutes(seed),
    };

    private static List<Experiment> Rows() =>
    [
        Run("000s-s0123456789-fashion-mnist-compact", ExperimentType.Original, 2048, 1.0, 1.0, null, 0.92),
        Run("a00s-s0123456789-fashion-mnist-compact", ExperimentType.Retrained, 1, 0.90, 0.98, null, 0.90),
        Run("a00s-s0123456789-fashion-mnist-compact-seed2", ExperimentType.Retrained, 2, 0.92, 0.96, null, 0.92),
        Run("u1", ExperimentType.Unlearned, 1, 0.95, 0.97, null, 0.90, ps: 0.5),
        Run("u2", ExperimentType.Unlearned, 2, 0.93, 0.99, null, 0.92, ps: 0.7),
        Run("u3", ExperimentType.Unlearned, 3, 0.97, 0.95, null, 0.88, ps: 0.6),
        Run("v1", ExperimentType.Unlearned, 1, 0.80, 0.90, null, 0.85, lr: 0.1),
    ];

    [Fact]
    public void Runs_differing_only_by_seed_are_one_row_with_mean_and_sample_std()
    {
        var model = new ExperimentTableModel();
        var rows = model.Rows(Rows());
        // Original, the Retrained group, the FT lr 0.05 group (3 runs) and the single lr 0.1 run.
        Assert.Equal([RowRole.Single, RowRole.GroupHead, RowRole.GroupHead, RowRole.Single], rows.Select(r => r.Role));
        var ft = rows[2];
        Assert.Equal(3, ft.Runs.Count);
        Assert.Equal("u1 +2", ft.Id);
        // UA 0.95, 0.93, 0.97: mean 0.95, sample std √((0 + 0.0004 + 0.0004) / 2) = 0.02.
        Assert.Equal("0.950 ± 0.020", ft.Metrics[TableColumn.UA].Text);
        // PS 0.5, 0.7, 0.6: mean 0.6, std 0.1; coloured by the mean, like a single 0.6.
        Assert.Equal("0.600 ± 0.100", ft.Metrics[TableColumn.PS].Text);
        Assert.Equal(ExperimentTableModel.Cell(TableColumn.PS, 0.6, 0.92).Background, ft.Metrics[TableColumn.PS].Background);
        Assert.Equal("-", ft.Metrics[TableColumn.TUA].Text);

        // Gap against the Retrained means (UA 0.91, RA 0.97, TA 0.91), three terms (no TUA):
        // u1: (0.04 + 0.00 + 0.01) / 3 = 0.016667; u2: (0.02 + 0.02 + 0.01) / 3 = 0.016667; u3: (0.06 + 0.02 + 0.03) / 3 = 0.036667.
        // Mean 0.023333, sample std √((0.0066667² · 2 + 0.0133333²) / 2) = 0.011547.
        Assert.Equal("0.023 ± 0.012", ft.Metrics[TableColumn.Gap].Text);
        // v1: (0.11 + 0.07 + 0.06) / 3 = 0.08.
        Assert.Equal("0.080", rows[3].Metrics[TableColumn.Gap].Text);

        // Expanding lists the runs under the head, by seed.
        model.ToggleGroup(ft.GroupKey);
        var expanded = model.Rows(Rows());
        Assert.Equal(["u1", "u2", "u3"], expanded.Where(r => r.Role == RowRole.Member && r.GroupKey == ft.GroupKey).Select(r => r.Experiment.Id));
        Assert.Equal("0.017", expanded.Single(r => r.Role == RowRole.Member && r.Experiment.Id == "u2").Metrics[TableColumn.Gap].Text);
    }

    [Fact]
    public void Groups_sort_by_their_mean()
    {
        var model = new ExperimentTableModel();
        model.ToggleSort(TableColumn.Gap);   // descending
        var rows = model.Rows(Rows());
        // v1 0.08; the Original (UA 1.0, RA 1.0, TA 0.92 against 0.91, 0.97, 0.91): (0.09 + 0.03 + 0.01) / 3 = 0.0433; the FT group 0.0233.
        Assert.Equal("v1", rows[0].Experiment.Id);
        Assert.Equal(ExperimentType.Original, rows[1].Experiment.Type);
        Assert.Equal("u1 +2", rows[2].Id);
        model.ToggleSort(TableColumn.Gap);   // ascending: the Original and Retrained group (gap ≤ 0.03) before the FT group and v1
        var ascending = model.Rows(Rows());
        Assert.Equal("v1", ascending[^1].Experiment.Id);
    }

    [Theory]
    [InlineData("", null, null)]
    [InlineData("1, 2, 3", new long[] { 1, 2, 3 }, null)]
    [InlineData("7 8;9", new long[] { 7, 8, 9 }, null)]
    [InlineData("1, 1", null, "twice")]
    [InlineData("-1", null, "not a seed")]
    [InlineData("1.5", null, "not a seed")]
    [InlineData("1,2,3,4,5,6,7,8,9,10,11", null, "At most 10")]
    public void The_seeds_field_parses_lists_and_says_what_is_wrong(string text, long[]? seeds, string? error)
    {
        var (parsed, problem) = ModelBuilderModel.ParseSeeds(text);
        Assert.Equal(seeds, parsed);
        if (error is null) Assert.Null(problem);
        else Assert.Contains(error, problem);
    }

    [Fact]
    public void Seeds_multiply_the_models_and_reach_the_request()
    {
        var model = new ModelBuilderModel(Unlearning.Core.Methods.MethodServiceCollectionExtensions.BuiltIns(), "fashion-mnist", "compact", -1, "000s-x", "s0123456789", classWise: false);
        Assert.DoesNotContain(model.Methods, m => m.ClassWiseOnly);
        Assert.Equal(1, model.ModelCount);
        model.SeedsText = "1, 2, 3";
        Assert.Equal(3, model.ModelCount);
        var request = model.ToRequest();
        Assert.Equal([1L, 2L, 3L], request.Seeds!);
        Assert.Equal("s0123456789", request.ForgetSet);
        model.SeedsText = "1, x";
        Assert.Contains("Seeds:", model.BlockedReason);
    }

    [Fact]
    public void Sample_set_tabs_go_into_the_url_and_come_back()
    {
        var s = new ComparisonState();
        s.OpenForgetClass(3);
        s.OpenForgetSet("s0123456789");
        var q = s.ToQuery();
        Assert.Null(q[ComparisonState.ForgetClassKey]);
        Assert.Equal("s0123456789,class-3", q[ComparisonState.ForgetSetKey]);
        var back = new ComparisonState();
        back.Apply(k => q.TryGetValue(k, out var v) ? v?.ToString() : null);
        Assert.Equal(["class-3", "s0123456789"], back.OpenForgetSets);
        Assert.Equal("s0123456789", back.ActiveForgetSet);
        Assert.Null(back.ActiveForgetClass);
        // Malformed ids never become tabs; only class tabs open keep the short forgetClass form.
        var bad = new ComparisonState();
        bad.Apply(k => k == ComparisonState.ForgetSetKey ? "s01,../x,class-99,class-2" : null);
        Assert.Equal(["class-2"], bad.OpenForgetSets);
        Assert.Equal("2", bad.ToQuery()[ComparisonState.ForgetClassKey]);
        Assert.Throws<ArgumentException>(() => bad.OpenForgetSet("<script>"));
    }
}
