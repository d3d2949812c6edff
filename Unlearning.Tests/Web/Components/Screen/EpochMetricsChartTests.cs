using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Unlearning.Core.Experiments;
using Unlearning.Core.Evaluation;
using Unlearning.Web.Components.Screen;

namespace Unlearning.Tests.Web.Components.Screen;

/// <summary>
/// The per-epoch metrics chart's view model (docs/views.md, "Per-epoch metrics"), checked without a browser: groups, lines, A/B
/// overlay, and stored values that cannot be drawn (gaps and a note, never an exception).
/// </summary>
public class EpochMetricsChartModelTests
{
    internal static EpochMetrics Record(int epochs, double shift = 0)
    {
        var m = new EpochMetrics();
        for (int e = 0; e <= epochs; e++)
            m.Add(new EpochRecord(e, UA: 1 - 0.4 * e, RA: 0.9, TUA: 0.95 - 0.4 * e, TRA: 0.88, PS: e == 0 ? null : 0.5 + shift, CMia: 0.1 * e, EMia: 0.05 * e, Seconds: 1));
        return m;
    }

    [Fact]
    public void One_experiment_gives_three_groups_with_the_originals_line_styles()
    {
        var model = EpochMetricsChartModel.Build([new EpochMetricsSource("(Unlearned, 285d)", "#585858", Record(2))]);
        Assert.Equal(["Accuracy", "Privacy score", "MIA efficacy"], model.Panels.Select(p => p.Title));
        var accuracy = model.Panels[0];
        Assert.Equal(["UA", "RA", "TUA", "TRA"], accuracy.Lines.Select(l => l.Name));
        var ua = accuracy.Lines[0];
        Assert.Equal(("#2A6218", "dash", "x"), (ua.Color, ua.Dash, ua.Symbol));
        Assert.Equal(("#67CA4D", "solid", "circle"), (accuracy.Lines[3].Color, accuracy.Lines[3].Dash, accuracy.Lines[3].Symbol));
        Assert.Equal([0, 1, 2], ua.Epochs);
        Assert.Equal(new double?[] { 1, 0.6, 1 - 0.8 }, ua.Values);
        var ps = Assert.Single(model.Panels[1].Lines);
        Assert.Equal(("#D54B04", "dashdot", "star"), (ps.Color, ps.Dash, ps.Symbol));
        Assert.Equal(new double?[] { null, 0.5, 0.5 }, ps.Values);   // N/A at epoch 0 is a gap, not an error
        Assert.Equal(2, model.Panels[0].MaxEpoch);
        Assert.Null(model.Note);
    }

    [Fact]
    public void Two_experiments_are_overlaid_in_their_own_colours()
    {
        var model = EpochMetricsChartModel.Build([
            new EpochMetricsSource("Model A", "#10B981", Record(2)),
            new EpochMetricsSource("Model B", "#A855F7", Record(4, shift: 0.2)),
        ]);
        var accuracy = model.Panels[0];
        Assert.Equal(8, accuracy.Lines.Count);
        Assert.Equal("UA · Model A", accuracy.Lines[0].Name);
        Assert.All(accuracy.Lines.Take(4), l => Assert.Equal("#10B981", l.Color));
        Assert.All(accuracy.Lines.Skip(4), l => Assert.Equal("#A855F7", l.Color));
        Assert.Equal("dash", accuracy.Lines[4].Dash);   // the metric keeps its dash style
        Assert.Equal(4, accuracy.MaxEpoch);
        Assert.Equal(["Model A", "Model B"], model.Drawn);
    }

    [Fact]
    public void Missing_and_malformed_records_never_throw()
    {
        Assert.True(EpochMetricsChartModel.Build(null).IsEmpty);
        Assert.True(EpochMetricsChartModel.Build([null]).IsEmpty);
        var none = EpochMetricsChartModel.Build([new EpochMetricsSource("(Original, 0006)", "#000", null)]);
        Assert.True(none.IsEmpty);
        Assert.Equal("(Original, 0006): no per-epoch metrics.", none.Note);

        // Unequal lengths, NaN, ±∞, out-of-range values and a list that a hand-edited document left null.
        var bad = Record(2);
        bad.RA = [0.9, double.NaN];
        bad.TRA = [double.PositiveInfinity, 1.5, -0.1];
        bad.CMia = null!;
        var model = EpochMetricsChartModel.Build([new EpochMetricsSource("x", "#000", bad)]);
        var accuracy = model.Panels[0];
        Assert.Equal(["UA", "RA", "TUA"], accuracy.Lines.Select(l => l.Name));   // TRA has nothing drawable
        Assert.Equal(new double?[] { 0.9, null }, accuracy.Lines[1].Values);
        Assert.Equal(["E-MIA"], model.Panels[2].Lines.Select(l => l.Name));
        Assert.Equal("4 stored value(s) outside [0, 1] or not numbers are left out.", model.Note);
        Assert.All(model.Panels, p => Assert.NotEmpty(EpochMetricsChart.Traces(p)));
    }
}

/// <summary>The chart and the popover rendered by bUnit: with data, without, and with malformed data.</summary>
public class EpochMetricsChartTests : MudTestContext
{
    [Fact]
    public void The_chart_renders_one_plot_per_group()
    {
        var cut = Render<EpochMetricsChart>(p => p.Add(c => c.Sources, [new EpochMetricsSource("(Unlearned, 285d)", "#585858", EpochMetricsChartModelTests.Record(3))]));
        Assert.Equal("3", cut.Find(".uc-epoch-metrics").GetAttribute("data-panels"));
        Assert.Equal(3, cut.FindAll(".uc-epoch-metrics-panel").Count);
        Assert.Equal("4", cut.Find(".uc-epoch-metrics-panel[data-title='Accuracy']").GetAttribute("data-lines"));
        Assert.Empty(cut.FindAll(".uc-epoch-metrics-empty"));
    }

    [Fact]
    public void Without_metrics_the_chart_says_so()
    {
        var cut = Render<EpochMetricsChart>(p => p.Add(c => c.Sources, [new EpochMetricsSource("(Original, 0006)", "#000", null)]));
        Assert.Contains("no per-epoch metrics", cut.Find(".uc-epoch-metrics-empty").TextContent);
        Assert.Empty(cut.FindAll(".uc-epoch-metrics-panel"));
    }

    [Fact]
    public void Malformed_metrics_render_with_a_note()
    {
        var bad = new EpochMetrics { UA = [double.NaN, 2, 0.5], RA = null!, PS = [null, null] };
        var cut = Render<EpochMetricsChart>(p => p.Add(c => c.Sources, [new EpochMetricsSource("x", "#000", bad)]));
        Assert.Equal("1", cut.Find(".uc-epoch-metrics").GetAttribute("data-panels"));
        Assert.Contains("2 stored value(s)", cut.Find(".uc-plot-note").TextContent);
    }

    [Fact]
    public void The_popover_shows_the_clicked_experiment_and_closes()
    {
        var popovers = Render<MudPopoverProvider>();
        bool? open = null;
        var results = new ExperimentResults { EpochMetrics = EpochMetricsChartModelTests.Record(2) };
        var cut = Render<EpochMetricsPopover>(p => p
            .Add(c => c.Open, true)
            .Add(c => c.ExperimentId, "285d")
            .Add(c => c.Results, results)
            .Add(c => c.OpenChanged, v => open = v));
        popovers.WaitForAssertion(() => Assert.Equal(3, popovers.FindAll(".uc-epoch-metrics-panel").Count));
        Assert.Contains("Per-epoch metrics", popovers.Markup);
        popovers.Find("button.uc-epoch-popover-close").Click();
        Assert.False(open);
    }

    [Fact]
    public void The_popover_overlays_Model_A_and_B_when_both_have_metrics()
    {
        var popovers = Render<MudPopoverProvider>();
        var a = new ExperimentResults { EpochMetrics = EpochMetricsChartModelTests.Record(2) };
        var b = new ExperimentResults { EpochMetrics = EpochMetricsChartModelTests.Record(3) };
        Render<EpochMetricsPopover>(p => p
            .Add(c => c.Open, true).Add(c => c.ExperimentId, "aaaa").Add(c => c.Results, a)
            .Add(c => c.ModelAId, "aaaa").Add(c => c.ResultsA, a).Add(c => c.ModelBId, "bbbb").Add(c => c.ResultsB, b));
        popovers.WaitForAssertion(() => Assert.Equal("2", popovers.Find(".uc-epoch-metrics").GetAttribute("data-sources")));
    }

    [Fact]
    public void The_popover_of_an_experiment_without_metrics_says_so()
    {
        var popovers = Render<MudPopoverProvider>();
        Render<EpochMetricsPopover>(p => p.Add(c => c.Open, true).Add(c => c.ExperimentId, "0006").Add(c => c.Results, new ExperimentResults()));
        popovers.WaitForAssertion(() => Assert.Contains("no per-epoch metrics", popovers.Markup));
    }

    [Fact]
    public void A_store_that_cannot_answer_gives_a_message_not_an_exception()
    {
        // The base context's reader has a database without tables: every read throws inside the store.
        var popovers = Render<MudPopoverProvider>();
        Render<EpochMetricsPopover>(p => p.Add(c => c.Open, true).Add(c => c.ExperimentId, "nope"));
        popovers.WaitForAssertion(() => Assert.Contains("could not be read", popovers.Find(".uc-epoch-popover-error").TextContent));
    }

    [Fact]
    public void An_unknown_experiment_id_shows_the_empty_message()
    {
        var (sp, store, _) = TestStore.New();
        Owned.Add(sp);
        Services.AddSingleton(new ExperimentResultsReader(store));
        var popovers = Render<MudPopoverProvider>();
        Render<EpochMetricsPopover>(p => p.Add(c => c.Open, true).Add(c => c.ExperimentId, "nope"));
        popovers.WaitForAssertion(() => Assert.Contains("no per-epoch metrics", popovers.Markup));
    }
}
