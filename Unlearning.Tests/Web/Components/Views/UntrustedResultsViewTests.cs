using Bunit;
using Unlearning.Core.Evaluation;
using Unlearning.Web.Components.Attack;
using Unlearning.Web.Components.Contrast;
using Unlearning.Web.Components.Views;

namespace Unlearning.Tests.Web.Components.Views;

/// <summary>Stored numbers that no evaluation produces (NaN, 1e308, −5) are clipped or dropped with a note, never an exception.</summary>
public class PlotSanitizerTests
{
    [Fact]
    public void Units_are_clipped_into_0_1_and_counted()
    {
        var t = new PlotSanitizer();
        Assert.Equal([0.5, 1, 0, 0, 1, 0], t.Units([0.5, 1.5, -2, double.NaN, double.PositiveInfinity, double.NegativeInfinity]));
        Assert.Equal(5, t.Clipped);
        Assert.Equal("5 stored values were out of range and are drawn at the nearest limit.", t.Note);
        Assert.Null(new PlotSanitizer().Note);
    }

    [Fact]
    public void Undrawable_points_and_attack_values_are_dropped()
    {
        var t = new PlotSanitizer();
        var points = new[]
        {
            new SubsetPoint { Img = 1, Gt = 0, Pred = 0, X = 1, Y = 2 },
            new SubsetPoint { Img = -5, Gt = 0, Pred = 0, X = 1, Y = 2 },
            new SubsetPoint { Img = 2, Gt = 0, Pred = 0, X = 1e308, Y = 2 },
            new SubsetPoint { Img = 3, Gt = 0, Pred = 0, X = double.NaN, Y = 2 },
            new SubsetPoint { Img = 4, Gt = 0, Pred = 12, X = 0, Y = 0 },
        };
        Assert.Equal([1], t.Drawable(points, classCount: 10).Select(p => p.Img));
        Assert.Equal([7], t.Drawable([new AttackValue(7, 0.1, 2), new AttackValue(8, double.NaN, 1), new AttackValue(-1, 0.1, 1)]).Select(v => v.Img));
        Assert.Equal(6, t.Dropped);
        Assert.Equal("6 stored values were not a drawable number and are left out.", t.Note);
    }

    [Fact]
    public void View_models_built_from_hostile_results_carry_a_note()
    {
        var bad = ViewFixtures.ModelA();
        bad.Points[0].X = 1e308;
        bad.Points[1].Img = -5;
        bad.Accs = [double.NaN, 1.5, 0.7];
        bad.LabelDist[0][0] = double.PositiveInfinity;
        bad.Cka!.Train.OtherClasses[1][1] = -3;

        var embedding = EmbeddingModel.Build(bad, HighlightMode.All);
        Assert.Equal(ViewFixtures.Points().Count - 2, embedding.Points.Count);
        Assert.Contains("2 stored values", embedding.Note);
        Assert.All(EmbeddingPlot.BuildTraces(embedding, ["a", "b", "c"]), _ => { });

        var accuracy = ClassAccuracyModel.Build(bad, ViewFixtures.ModelB(), ViewFixtures.ForgetClass, ["a", "b", "c"]);
        Assert.Equal([0, 1, 0.7], accuracy.Train.Bars.Select(b => b.AccA));
        Assert.NotNull(accuracy.Note);
        Assert.Null(ClassAccuracyModel.Build(ViewFixtures.ModelA(), ViewFixtures.ModelB(), 0, ["a", "b", "c"]).Note);

        var matrix = PredictionMatrixModel.Build(bad, DataSplit.Train);
        Assert.Equal(1, matrix.Cells[0][0].Proportion);
        Assert.NotNull(matrix.Note);

        var cka = LayerSimilarityModel.Build(bad, "A", ViewFixtures.ModelB(), "B", CkaReference.Original, DataSplit.Train);
        Assert.All(cka.Lines.SelectMany(l => l.Values), v => Assert.InRange(v, 0, 1));
        Assert.NotNull(cka.Note);

        bad.Attack!.Values[0] = new AttackValue(100, double.NaN, double.PositiveInfinity);
        var side = AttackSideData.From(ViewFixtures.ModelB(), bad)!;
        Assert.Equal(2, side.Model.Count);
        Assert.Equal("1 stored value was not a drawable number and is left out.", side.Note);
        Assert.Null(AttackSideData.From(ViewFixtures.ModelB(), ViewFixtures.ModelA())!.Note);
    }
}

/// <summary>The rendered charts: the note is visible, and the layer-similarity forget markers are real SVG paths.</summary>
public class UntrustedResultsRenderTests : MudTestContext
{
    [Fact]
    public void Layer_similarity_forget_markers_render_as_path_data()
    {
        var model = LayerSimilarityModel.Build(ViewFixtures.ModelA(), "A", ViewFixtures.ModelB(), "B", CkaReference.Original, DataSplit.Train);
        var cut = Render<LayerSimilarityChart>(p => p.Add(c => c.Model, model));
        var paths = cut.FindAll("path").Select(p => p.GetAttribute("d") ?? "").Where(d => d.Contains('L')).ToList();
        Assert.NotEmpty(paths);
        // Before the fix Razor read "M@Fmt.P(...)" as text (an e-mail address), so d held "M@Fmt.P(x - 3),…".
        Assert.All(paths, d => Assert.Matches(@"^M-?[\d.]+,-?[\d.]+L-?[\d.]+,-?[\d.]+M-?[\d.]+,-?[\d.]+L-?[\d.]+,-?[\d.]+$", d));
        Assert.Empty(cut.FindAll(".uc-plot-note"));
    }

    [Fact]
    public void A_chart_with_clipped_values_shows_the_note()
    {
        var bad = ViewFixtures.ModelA();
        bad.LabelDist[0][0] = 1e308;
        var cut = Render<PredictionMatrix>(p => p.Add(c => c.Model, PredictionMatrixModel.Build(bad, DataSplit.Train)).Add(c => c.ClassNames, ["a", "b", "c"]));
        Assert.Contains("1 stored value was out of range", cut.Find(".uc-plot-note").TextContent);
    }
}
