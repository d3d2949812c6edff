using Unlearning.Web.Components.Screen;
using Unlearning.Web.Components.Views;
using Unlearning.Core.Evaluation.Privacy;
using Bunit;
using Unlearning.Web.Components.Attack;
using Unlearning.Web.Components.Contrast;

namespace Unlearning.Tests.Web.Components.Attack;

public class AttackPanelTests : MudTestContext
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

    /// <summary>Unlike the original, the Original is attacked against the Retrained model like any model (its curves are stored).</summary>
    [Fact]
    public void The_original_model_is_attacked_like_any_other()
    {
        var cut = RenderPanel(modelBId: "0000-fashion-mnist-cnn");
        Assert.Equal(2, cut.FindAll(".uc-attack-side").Count);
        Assert.Empty(cut.FindAll(".uc-original-note"));
        Assert.Contains("Original", cut.FindAll(".uc-attack-side")[1].TextContent);
        Assert.Equal(6, cut.FindAll(".uc-attack-side")[1].QuerySelectorAll("circle.uc-dot").Length);
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
