using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Results;

namespace Unlearning.Tests.Core.Experiments;

public class RunGroupsTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static Experiment Run(string id, long? seed = 1, string method = "FineTuning", string hp = "{\"epochs\":5,\"lr\":0.01}",
        ExperimentType type = ExperimentType.Unlearned, string forgetSet = "s0123456789", int minutes = 0,
        double? ua = null, double? ra = null, double? tua = null, double? tra = null) => new()
        {
            Id = id, Dataset = "fashion-mnist", Architecture = "resnet18", ForgetSetId = forgetSet, Type = type,
            BaseId = type == ExperimentType.Unlearned ? "0006-fashion-mnist-resnet18" : null, Method = method,
            HyperparametersJson = hp, Seed = seed, CreatedUtc = T0.AddMinutes(minutes), Status = ExperimentStatus.Ready,
            UA = ua, RA = ra, TUA = tua, TRA = tra,
        };

    [Fact]
    public void Stats_are_the_mean_and_the_sample_standard_deviation()
    {
        // 0.1, 0.2, 0.4: mean = 0.7 / 3 = 0.233333…; deviations −0.133333, −0.033333, 0.166667, squares sum to
        // 0.017778 + 0.001111 + 0.027778 = 0.046667; / (n − 1 = 2) = 0.023333; √ = 0.152753.
        var s = RunGroups.Stats([0.1, 0.2, 0.4])!;
        Assert.Equal(0.233333, s.Mean, 6);
        Assert.Equal(0.152753, s.Std!.Value, 6);
        Assert.Equal(3, s.N);
    }

    [Fact]
    public void Stats_skip_missing_values_and_have_no_spread_for_one_value()
    {
        // 0.5 and 0.9 remain: mean 0.7, s = √((0.04 + 0.04) / 1) = 0.282843.
        var s = RunGroups.Stats([0.5, null, double.NaN, 0.9])!;
        Assert.Equal(0.7, s.Mean, 12);
        Assert.Equal(0.282843, s.Std!.Value, 6);
        Assert.Equal(2, s.N);

        Assert.Equal(new MetricStats(0.3, null, 1), RunGroups.Stats([null, 0.3]));
        Assert.Null(RunGroups.Stats([null, double.NaN]));
        Assert.Null(RunGroups.Stats([]));
    }

    [Fact]
    public void Runs_that_differ_only_by_seed_form_one_group_ordered_by_seed()
    {
        var runs = new[]
        {
            Run("a3", seed: 3, minutes: 0, ua: 0.4),
            Run("b1", seed: 1, minutes: 5, ua: 0.1),
            Run("c2", seed: 2, minutes: 2, ua: 0.2),
        };
        var group = Assert.Single(RunGroups.Group(runs));
        Assert.True(group.IsGroup);
        Assert.Equal(["b1", "c2", "a3"], group.Runs.Select(e => e.Id).ToArray());
        Assert.Equal("b1", group.First.Id);
        Assert.Equal(0.233333, group.UA!.Mean, 6); // the hand values of the first test
        Assert.Equal(0.152753, group.UA.Std!.Value, 6);
        Assert.Null(group.RA);
    }

    [Fact]
    public void Runs_with_the_same_seed_are_ordered_by_creation_time()
    {
        var group = Assert.Single(RunGroups.Group([Run("late", seed: 1, minutes: 9), Run("early", seed: 1, minutes: 1), Run("noseed", seed: null, minutes: 5)]));
        Assert.Equal(["noseed", "early", "late"], group.Runs.Select(e => e.Id).ToArray());
    }

    [Fact]
    public void A_different_configuration_is_a_different_group_in_order_of_first_appearance()
    {
        var groups = RunGroups.Group(
        [
            Run("x1", hp: "{\"epochs\":5,\"lr\":0.01}"),
            Run("y1", hp: "{\"epochs\":5,\"lr\":0.02}"),
            Run("x2", seed: 2, hp: "{\"epochs\":5,\"lr\":0.01}"),
            Run("z1", method: "GradientAscent"),
            Run("w1", forgetSet: "class-6"),
        ]);
        Assert.Equal(["x1 x2", "y1", "z1", "w1"], groups.Select(g => string.Join(" ", g.Runs.Select(e => e.Id))).ToArray());
        Assert.Equal([true, false, false, false], groups.Select(g => g.IsGroup).ToArray());
    }

    [Fact]
    public void The_key_ignores_hyperparameter_order_spacing_key_case_order_and_number_spelling()
    {
        var a = RunGroups.ConfigurationKey(Run("a", hp: "{\"epochs\":5,\"lr\":0.01,\"Alpha\":1}"));
        var b = RunGroups.ConfigurationKey(Run("b", seed: 9, hp: "{ \"lr\": 1e-2,\n \"Alpha\": 1.0, \"epochs\": 5.0 }"));
        Assert.Equal(a, b);
        Assert.NotEqual(a, RunGroups.ConfigurationKey(Run("c", hp: "{\"epochs\":5,\"lr\":0.01,\"Alpha\":2}")));
        Assert.NotEqual(a, RunGroups.ConfigurationKey(Run("d", hp: "{\"epochs\":5,\"lr\":0.01}")));
        Assert.DoesNotContain("seed", a, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Retrained_runs_of_one_forget_set_are_one_group_whatever_their_recipe()
    {
        var groups = RunGroups.Group(
        [
            Run("r1", seed: 1, type: ExperimentType.Retrained, method: "Retrain", hp: "{\"epochs\":30}"),
            Run("r2", seed: 2, type: ExperimentType.Retrained, method: "Retrain", hp: "{\"epochs\":20}"),
            Run("r3", seed: 3, type: ExperimentType.Retrained, method: null!, hp: "{}"),
            Run("r4", seed: 1, type: ExperimentType.Retrained, forgetSet: "class-6"),
        ]);
        Assert.Equal(["r1 r2 r3", "r4"], groups.Select(g => string.Join(" ", g.Runs.Select(e => e.Id))).ToArray());
    }

    [Fact]
    public void Original_and_uploaded_rows_are_never_grouped()
    {
        var groups = RunGroups.Group(
        [
            Run("o1", type: ExperimentType.Original, method: null!, hp: "{}"),
            Run("o2", type: ExperimentType.Original, method: null!, hp: "{}"),
            Run("u1", type: ExperimentType.Uploaded, method: "Custom", hp: "{}"),
            Run("u2", type: ExperimentType.Uploaded, method: "Custom", hp: "{}"),
        ]);
        Assert.Equal(4, groups.Count);
        Assert.All(groups, g => Assert.False(g.IsGroup));
    }

    [Fact]
    public void The_retrained_reference_averages_the_ready_runs()
    {
        var r1 = Run("r1", type: ExperimentType.Retrained, ua: 0.10, ra: 0.90, tua: null, tra: 0.80);
        var r2 = Run("r2", type: ExperimentType.Retrained, ua: 0.20, ra: 0.94, tua: null, tra: 0.86);
        var pending = Run("r3", type: ExperimentType.Retrained, ua: 0.9, ra: 0.1, tra: 0.1);
        pending.Status = ExperimentStatus.Pending;

        var reference = RunGroups.RetrainedMeans([r1, r2, pending])!;
        // (0.10 + 0.20) / 2 = 0.15; (0.90 + 0.94) / 2 = 0.92; (0.80 + 0.86) / 2 = 0.83; no TUA.
        Assert.Equal(0.15, reference.UA!.Value, 12);
        Assert.Equal(0.92, reference.RA!.Value, 12);
        Assert.Null(reference.TUA);
        Assert.Equal(0.83, reference.TRA!.Value, 12);
        Assert.Equal(2, reference.Runs);

        Assert.Null(RunGroups.RetrainedMeans([pending]));
        Assert.Null(RunGroups.RetrainedMeans([]));
    }

    [Fact]
    public void The_gap_of_a_class_wise_row_averages_four_terms()
    {
        var reference = new RetrainedReference(UA: 0.0, RA: 0.95, TUA: 0.0, TRA: 0.90, Runs: 1);
        var run = Run("u", ua: 0.10, ra: 0.90, tua: 0.20, tra: 0.85);
        // (|0.10 − 0| + |0.90 − 0.95| + |0.20 − 0| + |0.85 − 0.90|) / 4 = (0.10 + 0.05 + 0.20 + 0.05) / 4 = 0.10.
        Assert.Equal(0.10, RunGroups.Gap(run, reference)!.Value, 12);
    }

    [Fact]
    public void The_gap_of_a_sample_set_row_averages_three_terms_without_TUA()
    {
        var reference = new RetrainedReference(UA: 0.75, RA: 0.96, TUA: null, TRA: 0.90, Runs: 3);
        var run = Run("u", ua: 0.80, ra: 0.97, tua: null, tra: 0.88);
        // (|0.80 − 0.75| + |0.97 − 0.96| + |0.88 − 0.90|) / 3 = (0.05 + 0.01 + 0.02) / 3 = 0.08 / 3 = 0.026667.
        Assert.Equal(0.026667, RunGroups.Gap(run, reference)!.Value, 6);
    }

    [Fact]
    public void There_is_no_gap_without_a_reference_or_a_shared_metric()
    {
        Assert.Null(RunGroups.Gap(Run("u", ua: 0.5), null));
        Assert.Null(RunGroups.Gap(Run("u", ua: 0.5), new RetrainedReference(null, 0.9, null, 0.9, 1)));
        Assert.Null(RunGroups.Gap(Run("u", ua: double.NaN, ra: 0.8), new RetrainedReference(0.1, null, null, null, 1)));
    }

    [Fact]
    public void Gap_stats_are_the_statistics_of_the_per_run_gaps()
    {
        var reference = new RetrainedReference(UA: 0.0, RA: 1.0, TUA: null, TRA: null, Runs: 1);
        var group = Assert.Single(RunGroups.Group(
        [
            Run("a", seed: 1, ua: 0.1, ra: 0.9), // (0.1 + 0.1) / 2 = 0.1
            Run("b", seed: 2, ua: 0.3, ra: 0.9), // (0.3 + 0.1) / 2 = 0.2
            Run("c", seed: 3, ua: 0.7, ra: 0.9), // (0.7 + 0.1) / 2 = 0.4
            Run("d", seed: 4),                   // no metric: skipped
        ]));
        // Gaps 0.1, 0.2, 0.4: the hand values of the first test.
        var s = RunGroups.GapStats(group, reference)!;
        Assert.Equal(0.233333, s.Mean, 6);
        Assert.Equal(0.152753, s.Std!.Value, 6);
        Assert.Equal(3, s.N);
        Assert.Null(RunGroups.GapStats(group, null));
    }
}
