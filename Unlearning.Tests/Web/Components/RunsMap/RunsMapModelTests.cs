using Unlearning.Core.Experiments;
using Unlearning.Web.Components.RunsMap;

namespace Unlearning.Tests.Web.Components.RunsMap;

public class RunsMapModelTests
{
    private static IReadOnlyList<int> Front(bool maxX, bool maxY, params (double, double)[] pts) => RunsMapModel.ParetoFront(pts, maxX, maxY);

    // Hand-made set: A(0.1, 0.9) B(0.2, 0.95) C(0.3, 0.8) D(0.05, 0.7) E(0.4, 0.99).
    private static readonly (double, double)[] Set = [(0.1, 0.9), (0.2, 0.95), (0.3, 0.8), (0.05, 0.7), (0.4, 0.99)];

    [Fact]
    public void Minimise_x_maximise_y_keeps_the_points_no_other_beats_on_both()
    {
        // Low UA, high TRA: D (lowest x), A (beats B? no: B has higher y but higher x), B, E (highest y). C is dominated by A and B.
        Assert.Equal([3, 0, 1, 4], Front(false, true, Set));
    }

    [Fact]
    public void Maximise_both_keeps_only_the_top_right_point_here()
    {
        // E has the largest x and the largest y: it dominates every other point.
        Assert.Equal([4], Front(true, true, Set));
    }

    [Fact]
    public void Minimise_both_keeps_the_bottom_left_staircase()
    {
        // D has the smallest x and the smallest y: it dominates all.
        Assert.Equal([3], Front(false, false, Set));
        // Without D: A (0.1, 0.9) and C (0.3, 0.8) trade off; B and E are dominated by A.
        Assert.Equal([0, 2], Front(false, false, (0.1, 0.9), (0.2, 0.95), (0.3, 0.8), (0.4, 0.99)));
    }

    [Fact]
    public void Maximise_x_minimise_y_mirrors_the_set()
    {
        // High x, low y: C (0.3, 0.8) vs E (0.4, 0.99) vs D (0.05, 0.7): E best x, D best y, C between (beats A and B on both).
        Assert.Equal([3, 2, 4], Front(true, false, Set));
    }

    [Fact]
    public void Equal_points_do_not_dominate_each_other_and_ties_on_one_axis_are_decided_by_the_other()
    {
        // Two copies of (0.1, 0.9) are both on the front; (0.1, 0.8) ties on x and loses on y (maximised).
        Assert.Equal([0, 1], Front(false, true, (0.1, 0.9), (0.1, 0.9), (0.1, 0.8)));
        // Same y, x minimised: the smaller x wins, the other is dominated.
        Assert.Equal([1], Front(false, true, (0.3, 0.9), (0.2, 0.9)));
    }

    [Fact]
    public void Non_finite_points_are_never_on_the_front_and_do_not_dominate()
    {
        Assert.Equal([1], Front(true, true, (double.NaN, 5), (1, 1), (double.PositiveInfinity, 2)));
        Assert.Empty(Front(true, true));
    }

    [Fact]
    public void Ideal_is_the_best_value_of_each_axis()
    {
        Assert.Equal((0.05, 0.99), RunsMapModel.Ideal(Set, false, true));
        Assert.Equal((0.4, 0.7), RunsMapModel.Ideal(Set, true, false));
        Assert.Null(RunsMapModel.Ideal([], true, true));
    }

    [Fact]
    public void Points_take_ready_runs_with_both_values_and_the_gap_to_retrained()
    {
        Experiment Run(string id, ExperimentType type, double? ua, double? tra, ExperimentStatus status = ExperimentStatus.Ready) => new()
        {
            Id = id, Dataset = "fashion-mnist", Architecture = "compact", Type = type, Status = status, UA = ua, RA = 0.9, TUA = ua, TRA = tra,
        };
        var runs = new[]
        {
            Run("r", ExperimentType.Retrained, 0.0, 0.9),
            Run("u1", ExperimentType.Unlearned, 0.1, 0.8),
            Run("u2", ExperimentType.Unlearned, null, 0.8),
            Run("u3", ExperimentType.Unlearned, 0.2, 0.7, ExperimentStatus.Pending),
        };
        var p = RunsMapModel.Points(runs, RunsMetric.UA, RunsMetric.TRA);
        Assert.Equal(["r", "u1"], p.Select(x => x.Run.Id));
        // Gap of u1 to the Retrained run: (|0.1 − 0| + |0.9 − 0.9| + |0.1 − 0| + |0.8 − 0.9|) / 4 = 0.075.
        var g = RunsMapModel.Points(runs, RunsMetric.Gap, RunsMetric.UA);
        Assert.Equal(0.075, g.Single(x => x.Run.Id == "u1").X, 12);
        Assert.Equal(0.0, g.Single(x => x.Run.Id == "r").X, 12);
    }

    [Theory]
    [InlineData(RunsMetric.UA, false)]
    [InlineData(RunsMetric.TUA, false)]
    [InlineData(RunsMetric.RA, true)]
    [InlineData(RunsMetric.TRA, true)]
    [InlineData(RunsMetric.PS, true)]
    [InlineData(RunsMetric.RT, false)]
    [InlineData(RunsMetric.Gap, false)]
    public void Default_directions(RunsMetric m, bool maximise) => Assert.Equal(maximise, RunsMapModel.MaximiseByDefault(m));

    [Fact]
    public void Stale_runs_are_left_off_the_map_unless_asked_for()
    {
        string oldSha = new('a', 64), newSha = new('b', 64);
        Experiment Row(string id, ExperimentType type, string? sha, string? refO, double ua) => new()
        {
            Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 6, ForgetSetId = "class-6", Type = type,
            Method = type == ExperimentType.Unlearned ? "FineTuning" : null, CheckpointSha256 = sha, ReferenceOriginalSha256 = refO,
            UA = ua, TRA = 0.9, Status = ExperimentStatus.Ready, CheckpointPath = "x.pt",
        };
        var original = Row(ExperimentIds.Original("fashion-mnist", "compact", 6), ExperimentType.Original, newSha, null, 0.8);
        var current = Row("c0de", ExperimentType.Unlearned, null, newSha, 0.1);
        var stale = Row("0ld0", ExperimentType.Unlearned, null, oldSha, 0.2);
        Experiment[] runs = [original, current, stale];
        Assert.Equal([original.Id, "c0de"], RunsMapModel.Points(runs, RunsMetric.UA, RunsMetric.TRA).Select(p => p.Run.Id));
        var all = RunsMapModel.Points(runs, RunsMetric.UA, RunsMetric.TRA, includeStale: true);
        Assert.Equal(3, all.Count);
        Assert.Equal([false, false, true], all.Select(p => p.IsStale));
        Assert.Contains("a", all[2].Stale!.Reason);
        Assert.Equal(1, RunsMapModel.StaleCount(runs, StaleReferences.Assess(runs)));
        // The table's assessment is used as given: one that calls nothing stale draws every run.
        Assert.Equal(3, RunsMapModel.Points(runs, RunsMetric.UA, RunsMetric.TRA, assessed: new Dictionary<string, StaleStatus>()).Count);
    }

    /// <summary>The rows of <see cref="Stale_runs_are_left_off_the_map_unless_asked_for"/>, for the component test.</summary>
    internal static Experiment[] StaleScenario()
    {
        string oldSha = new('a', 64), newSha = new('b', 64);
        Experiment Row(string id, ExperimentType type, string? sha, string? refO, double ua) => new()
        {
            Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 6, ForgetSetId = "class-6", Type = type,
            Method = type == ExperimentType.Unlearned ? "FineTuning" : null, CheckpointSha256 = sha, ReferenceOriginalSha256 = refO,
            UA = ua, TRA = 0.9, Status = ExperimentStatus.Ready, CheckpointPath = "x.pt",
        };
        return [Row(ExperimentIds.Original("fashion-mnist", "compact", 6), ExperimentType.Original, newSha, null, 0.8),
            Row("c0de", ExperimentType.Unlearned, null, newSha, 0.1), Row("0ld0", ExperimentType.Unlearned, null, oldSha, 0.2)];
    }
}
