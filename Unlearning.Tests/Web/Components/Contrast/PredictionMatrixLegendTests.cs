using Unlearning.Web.Components.Screen;
using Unlearning.Web.Components.Views;
using Unlearning.Core.Evaluation.Privacy;
using Bunit;
using Unlearning.Web.Components.Attack;
using Unlearning.Web.Components.Contrast;

namespace Unlearning.Tests.Web.Components.Contrast;

public class PredictionMatrixLegendTests : MudTestContext
{
    [Fact]
    public void Split_mode_shows_the_cell_glyph_and_the_grey_scale()
    {
        var cut = Render<PredictionMatrixLegend>(p => p.Add(c => c.Bubble, false));
        Assert.Equal("split", cut.Find(".uc-matrix-legend").GetAttribute("data-mode"));
        Assert.Single(cut.FindAll("svg.uc-matrix-legend-cell"));
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
