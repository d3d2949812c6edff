using Unlearning.Web.Components.Screen;
using Unlearning.Web.Components.Views;
using Unlearning.Core.Evaluation.Privacy;
using Bunit;
using Unlearning.Web.Components.Attack;
using Unlearning.Web.Components.Contrast;

namespace Unlearning.Tests.Web.Components.Contrast;

public class ContrastPanelTests : MudTestContext
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
        Assert.Single(cut.FindAll(".uc-embedding-pair > svg.uc-embedding-link"));
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
