using Unlearning.Web.Components.Screen;
using Unlearning.Web.Components.Views;
using Unlearning.Core.Evaluation.Privacy;
using Bunit;
using Unlearning.Web.Components.Attack;
using Unlearning.Web.Components.Contrast;

namespace Unlearning.Tests.Views;

public class ContrastPanelTests : ViewTestContext
{
    private IRenderedComponent<ContrastPanel> RenderPanel() => Render<ContrastPanel>(p => p
        .Add(c => c.Dataset, "fashion-mnist")
        .Add(c => c.Architecture, "cnn")
        .Add(c => c.ForgetClass, ViewFixtures.ForgetClass)
        .Add(c => c.ModelAId, "aaaa")
        .Add(c => c.ModelBId, "bbbb")
        .Add(c => c.ResultsA, ViewFixtures.ModelA())
        .Add(c => c.ResultsB, ViewFixtures.ModelB()));

    [Fact]
    public void Embedding_renders_two_plots_with_all_points()
    {
        var cut = RenderPanel();
        var plots = cut.FindAll(".uc-embedding-plot");
        Assert.Equal(2, plots.Count);
        Assert.All(plots, p => Assert.Equal("6", p.GetAttribute("data-points")));
        Assert.Contains("Model A (Unlearned, aaaa)", cut.Markup);
        Assert.Contains("Model B (Unlearned, bbbb)", cut.Markup);
    }

    [Fact]
    public void Highlight_tab_changes_the_highlighted_points_in_both_plots()
    {
        var cut = RenderPanel();
        cut.Find(".uc-highlight-CorrectlyForgotten").Click();
        Assert.All(cut.FindAll(".uc-embedding-plot"), p => Assert.Equal("2", p.GetAttribute("data-highlighted")));
        cut.Find(".uc-highlight-OverlyForgotten").Click();
        Assert.All(cut.FindAll(".uc-embedding-plot"), p => Assert.Equal("1", p.GetAttribute("data-highlighted")));
    }

    [Fact]
    public void Embedding_traces_carry_colour_by_predicted_class_and_x_symbols_for_forget_samples()
    {
        var m = EmbeddingModel.Build(ViewFixtures.ModelA(), HighlightMode.All);
        var main = Assert.IsType<Plotly.Blazor.Traces.ScatterGl>(Assert.Single(EmbeddingPlot.BuildTraces(m, ["zero", "one", "two"])));
        Assert.Equal(6, main.X.Count);
        // Predictions 0, 2, 1, 1, 2, 2 in Tableau 10.
        Assert.Equal(["#4E79A7", "#E15759", "#F28E2B", "#F28E2B", "#E15759", "#E15759"], main.Marker.ColorArray.Cast<string>());
        Assert.Equal(3, main.Marker.SymbolArray.Count(s => s == Plotly.Blazor.Traces.ScatterGlLib.MarkerLib.SymbolEnum.X));
    }

    [Fact]
    public void Embedding_points_carry_their_image_and_highlight_flag_for_the_linked_hover()
    {
        // Overly Forgotten highlights only retain sample 201 (true 1, predicted 2).
        var m = EmbeddingModel.Build(ViewFixtures.ModelA(), HighlightMode.OverlyForgotten);
        var main = Assert.IsType<Plotly.Blazor.Traces.ScatterGl>(Assert.Single(EmbeddingPlot.BuildTraces(m, [])));
        Assert.Equal(
            [[100, 0], [101, 0], [102, 0], [200, 0], [201, 1], [300, 0]],
            main.CustomData.Cast<int[]>());
    }

    [Fact]
    public void Embedding_view_attaches_the_browser_side_linked_hover_to_both_plots()
    {
        var module = JSInterop.SetupModule("./js/embedding-link.js");
        var cut = RenderPanel();
        var call = Assert.Single(module.Invocations, i => i.Identifier == "link");
        Assert.Equal("uc-embedding-a", call.Arguments[1]);
        Assert.Equal("uc-embedding-b", call.Arguments[2]);
        // The overlay the script draws into sits above both plots, inside the element passed to it.
        Assert.NotNull(cut.Find(".uc-embedding-pair > svg.uc-embedding-link"));
        // Changing the highlight rebuilds the points: the hover is re-attached (which clears a stale outline).
        cut.Find(".uc-highlight-TargetToForget").Click();
        Assert.Equal(2, module.Invocations.Count(i => i.Identifier == "link"));
    }

    [Fact]
    public void Metrics_view_shows_gaps_matrices_and_cka_lines()
    {
        var cut = RenderPanel();
        // Retain averages worked out in ClassAccuracyModelTests: −0.025 (train), 0.050 (test).
        Assert.Contains("avg (retain): -0.025", cut.Markup);
        Assert.Contains("avg (retain): 0.050", cut.Markup);
        Assert.Equal(2 * 9, cut.FindAll(".uc-cell").Count);
        Assert.Equal(2 * 9, cut.FindAll("polygon.uc-proportion").Count);
        Assert.Equal(2, cut.FindAll("polyline.uc-cka-retain").Count);
        Assert.Equal(2, cut.FindAll("polyline.uc-cka-forget").Count);
    }

    [Fact]
    public void Cka_reference_toggle_reports_the_fallback()
    {
        var cut = RenderPanel();
        Assert.DoesNotContain("no Retrained CKA stored", cut.Markup);
        cut.FindAll(".uc-cka-reference button").Single(b => b.TextContent.Contains("Retrained")).Click();
        Assert.Contains("no Retrained CKA stored", cut.Markup);
    }
}

public class PredictionMatrixLegendTests : ViewTestContext
{
    [Fact]
    public void Split_mode_shows_the_cell_glyph_and_the_grey_scale()
    {
        var cut = Render<PredictionMatrixLegend>(p => p.Add(c => c.Bubble, false));
        Assert.Equal("split", cut.Find(".uc-matrix-legend").GetAttribute("data-mode"));
        Assert.NotNull(cut.Find("svg.uc-matrix-legend-cell"));
        // The bar runs from the matrix's colour at 0 to its colour at 1.
        var bar = cut.Find(".uc-matrix-legend-bar").GetAttribute("style")!;
        Assert.StartsWith($"background:linear-gradient(to right, {ViewColors.Grey(0)}, ", bar);
        Assert.EndsWith($", {ViewColors.Grey(1)});", bar);
    }

    [Fact]
    public void Bubble_mode_shows_sample_sizes_and_the_turbo_scale()
    {
        var cut = Render<PredictionMatrixLegend>(p => p.Add(c => c.Bubble, true));
        Assert.Equal("bubble", cut.Find(".uc-matrix-legend").GetAttribute("data-mode"));
        var radii = cut.FindAll(".uc-matrix-legend-sizes circle").Select(c => double.Parse(c.GetAttribute("r")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        // √(1 + 89p) · 18/22 for p = 0.05, 0.25, 1: √5.45, √23.25, √90 scaled.
        Assert.Equal([Math.Sqrt(5.45) * 18 / 22, Math.Sqrt(23.25) * 18 / 22, Math.Sqrt(90) * 18 / 22], radii, new ToleranceComparer(0.01));
        Assert.Contains(ColorScales.InterpolateTurbo(1), cut.Find(".uc-matrix-legend-bar").GetAttribute("style"));
    }

    [Fact]
    public void Metrics_view_switches_the_legend_with_the_bubble_toggle()
    {
        var cut = Render<MetricsView>(p => p
            .Add(c => c.ModelA, new Unlearning.Core.Experiments.ComparedModel("aaaa", Unlearning.Core.Experiments.ExperimentType.Unlearned, ViewFixtures.ForgetClass, ViewFixtures.ModelA()))
            .Add(c => c.ModelB, new Unlearning.Core.Experiments.ComparedModel("bbbb", Unlearning.Core.Experiments.ExperimentType.Unlearned, ViewFixtures.ForgetClass, ViewFixtures.ModelB()))
            .Add(c => c.ForgetClass, ViewFixtures.ForgetClass)
            .Add(c => c.ClassNames, ["zero", "one", "two"]));
        Assert.Equal("split", cut.Find(".uc-matrix-legend").GetAttribute("data-mode"));
        cut.Find(".uc-bubble-toggle input").Change(true);
        Assert.Equal("bubble", cut.Find(".uc-matrix-legend").GetAttribute("data-mode"));
        Assert.NotEmpty(cut.FindAll("circle[fill-opacity='0.7']"));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}

public class AttackPanelTests : ViewTestContext
{
    private IRenderedComponent<AttackPanel> RenderPanel(string modelBId = "bbbb") => Render<AttackPanel>(p => p
        .Add(c => c.Dataset, "fashion-mnist")
        .Add(c => c.Architecture, "cnn")
        .Add(c => c.ForgetClass, ViewFixtures.ForgetClass)
        .Add(c => c.ModelAId, "aaaa")
        .Add(c => c.ModelBId, modelBId)
        .Add(c => c.ResultsA, ViewFixtures.ModelA())
        .Add(c => c.ResultsB, ViewFixtures.ModelB())
        .Add(c => c.RetrainedResults, ViewFixtures.Retrained()));

    private static string Info(IRenderedComponent<AttackPanel> cut, int side) =>
        cut.FindAll(".uc-attack-side")[side].QuerySelector(".uc-threshold-info")!.TextContent;

    [Fact]
    public void Starts_with_the_custom_entropy_threshold_and_its_privacy_score()
    {
        var cut = RenderPanel();
        Assert.Equal(2, cut.FindAll(".uc-attack-side").Count);
        Assert.Contains("Threshold: 1.25", Info(cut, 0));
        // 1 − 0.1 at τ = 1.25; success 4 of 6 = 66.67 %.
        Assert.Contains("0.900", cut.FindAll(".uc-privacy-score")[0].TextContent);
        Assert.Contains("66.67%", cut.FindAll(".uc-success-pct")[0].TextContent);
        // 3 Retrained + 3 model circles per side.
        Assert.Equal(6, cut.FindAll(".uc-attack-side")[0].QuerySelectorAll("circle.uc-dot").Length);
    }

    [Fact]
    public void Switching_strategy_changes_the_displayed_threshold()
    {
        var cut = RenderPanel();
        cut.Find(".uc-strategy-MaxAttackScore").Click();
        Assert.Contains("Threshold: 0.50", Info(cut, 0));
        Assert.Contains("Threshold: 1.00", Info(cut, 1));
        Assert.Contains("0.300", cut.FindAll(".uc-privacy-score")[0].TextContent);

        cut.Find(".uc-strategy-CommonThreshold").Click();
        Assert.Contains("Threshold: 1.50", Info(cut, 0));
        Assert.Contains("Threshold: 1.50", Info(cut, 1));
        Assert.Equal(AttackMetric.Entropy, cut.Instance.Metric);
    }

    [Fact]
    public void Worst_case_button_picks_the_models_metric_and_peak()
    {
        var cut = RenderPanel();
        cut.Find(".uc-worst-a").Click();
        Assert.Equal(AttackMetric.Confidence, cut.Instance.Metric);
        Assert.Equal(ThresholdStrategy.MaxAttackScore, cut.Instance.Strategy);
        Assert.Contains("Threshold: 2.50", Info(cut, 0));
        Assert.Contains("0.200", cut.FindAll(".uc-privacy-score")[0].TextContent);
    }

    [Fact]
    public void Original_model_side_asks_for_an_unlearned_model()
    {
        var cut = RenderPanel(modelBId: "0000-fashion-mnist-cnn");
        Assert.Single(cut.FindAll(".uc-attack-side"));
        Assert.Contains("Select an unlearned model to compare the attack results", cut.Find(".uc-original-note").TextContent);
    }

    [Fact]
    public async Task Dragging_the_threshold_line_sets_the_custom_threshold_on_both_sides()
    {
        var module = JSInterop.SetupModule("./js/attack-side.js");
        var cut = RenderPanel();
        // Each side attaches the pointer module to its root.
        Assert.Equal(2, module.Invocations.Count(i => i.Identifier == "attach"));
        Assert.Equal(2, cut.FindAll("line.uc-threshold-handle").Count);
        var side = cut.FindComponents<AttackSide>()[0];
        // 30 % down the entropy axis (2.5 at the top, 0 at the bottom): 1.75.
        await cut.InvokeAsync(() => side.Instance.OnThresholdDragged(0.3));
        Assert.Equal(1.75, cut.Instance.CustomThreshold, 9);
        Assert.Contains("Threshold: 1.75", Info(cut, 0));
        Assert.Contains("Threshold: 1.75", Info(cut, 1));
    }

    [Fact]
    public async Task Threshold_line_is_draggable_only_under_the_custom_strategy()
    {
        var cut = RenderPanel();
        cut.Find(".uc-strategy-MaxAttackScore").Click();
        Assert.Empty(cut.FindAll("line.uc-threshold-handle"));
        var side = cut.FindComponents<AttackSide>()[0];
        await cut.InvokeAsync(() => side.Instance.OnThresholdDragged(0.3));
        Assert.Contains("Threshold: 0.50", Info(cut, 0));
        Assert.Equal(1.25, cut.Instance.CustomThreshold, 9);
    }

    [Fact]
    public void Butterfly_shows_the_four_entry_legend_which_can_be_hidden()
    {
        var cut = RenderPanel();
        var first = cut.FindAll(".uc-attack-side")[0];
        var entries = first.QuerySelectorAll(".uc-butterfly-legend .uc-legend-item").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal(["From Retrained / Pred. Retrained", "From Model A / Pred. Retrained", "From Retrained / Pred. Model A", "From Model A / Pred. Model A"], entries);
        cut.FindAll(".uc-legend-toggle")[0].Click();
        Assert.Empty(cut.FindAll(".uc-attack-side")[0].QuerySelectorAll(".uc-butterfly-legend"));
        Assert.Single(cut.FindAll(".uc-butterfly-legend"));
    }

    [Fact]
    public void Circles_and_grid_images_carry_their_image_for_the_hover_highlight()
    {
        var cut = RenderPanel();
        var first = cut.FindAll(".uc-attack-side")[0];
        // Images 100–102 appear once as a Retrained and once as a model circle, and once each in the grids.
        foreach (var img in new[] { "100", "101", "102" })
        {
            Assert.Equal(2, first.QuerySelectorAll($"circle.uc-dot[data-img='{img}']").Length);
            Assert.Equal(2, first.QuerySelectorAll($".uc-image-grid .uc-thumb[data-img='{img}']").Length);
        }
        // Model entropy of image 102 is 1.33.
        Assert.Equal("Entropy: 1.33", first.QuerySelector("circle.uc-dot-model[data-img='102']")!.GetAttribute("data-label"));
    }

    [Fact]
    public void Threshold_chart_draws_each_curve_opaque_on_the_models_side_and_faded_on_the_other()
    {
        var cut = RenderPanel();
        // At τ = 1.25 both sides' merged curves take "above ⇒ unlearn": above the line is the model's side.
        var first = cut.FindAll(".uc-attack-side")[0];
        Assert.All(first.QuerySelectorAll("polyline.uc-curve-above"), p => Assert.Equal("1", p.GetAttribute("stroke-opacity")));
        Assert.All(first.QuerySelectorAll("polyline.uc-curve-below"), p => Assert.Equal("0.3", p.GetAttribute("stroke-opacity")));
        Assert.Equal(3, first.QuerySelectorAll("polyline.uc-curve-above").Length);
        // The attack score curve glows.
        Assert.Equal(2, first.QuerySelectorAll("polyline.uc-curve[filter]").Length);
    }
}
