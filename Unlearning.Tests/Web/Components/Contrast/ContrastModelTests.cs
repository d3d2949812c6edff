using Unlearning.Web.Components.Screen;
using Unlearning.Web.Components.Contrast;
using Unlearning.Web.Components.Views;

namespace Unlearning.Tests.Web.Components.Contrast;

public class ClassAccuracyModelTests
{
    private static readonly string[] Names = ["zero", "one", "two"];

    [Fact]
    public void Gaps_are_B_minus_A_and_the_retain_average_skips_the_forget_class()
    {
        var m = ClassAccuracyModel.Build(ViewFixtures.ModelA(), ViewFixtures.ModelB(), ViewFixtures.ForgetClass, Names);

        // Train: B − A = 0.1 − 0.9, 0.85 − 0.8, 0.6 − 0.7; retain average over classes 1 and 2.
        Assert.Equal([-0.8, 0.05, -0.1], m.Train.Bars.Select(b => b.Gap), new Tol(1e-12));
        Assert.Equal((0.05 - 0.1) / 2, m.Train.RetainAverage, 12);
        // Test: 0.2 − 0.8, 0.7 − 0.9, 0.9 − 0.6.
        Assert.Equal([-0.6, -0.2, 0.3], m.Test.Bars.Select(b => b.Gap), new Tol(1e-12));
        Assert.Equal((-0.2 + 0.3) / 2, m.Test.RetainAverage, 12);
        // Shared symmetric domain: the largest |gap| over both charts.
        Assert.Equal(0.8, m.MaxGap, 12);
        Assert.True(m.Train.Bars[0].IsForget);
        Assert.Equal("one", m.Train.Bars[1].Name);
    }
}

public class PredictionMatrixModelTests
{
    [Fact]
    public void Cells_take_proportion_from_label_dist_and_confidence_from_conf_dist_of_the_split()
    {
        var train = PredictionMatrixModel.Build(ViewFixtures.ModelA(), DataSplit.Train);
        Assert.Equal(3, train.ClassCount);
        Assert.Equal(0.3, train.Cells[2][1].Proportion);
        Assert.Equal(0.2, train.Cells[2][1].Confidence);
        Assert.Equal(2, train.Cells[2][1].TrueClass);
        Assert.Equal(1, train.Cells[2][1].PredictedClass);

        var test = PredictionMatrixModel.Build(ViewFixtures.ModelA(), DataSplit.Test);
        Assert.Equal(0.25, test.Cells[0][2].Proportion);
        Assert.Equal(0.3, test.Cells[0][2].Confidence);
    }

    [Fact]
    public void Bubble_radius_is_sqrt_of_1_plus_89_proportion_and_hidden_below_0_002()
    {
        var test = PredictionMatrixModel.Build(ViewFixtures.ModelA(), DataSplit.Test);
        Assert.Equal(Math.Sqrt(1 + 89 * 0.2), test.Cells[2][1].BubbleRadius, 12);   // √18.8
        Assert.Equal(0, test.Cells[2][0].BubbleRadius);                             // proportion 0.001
        Assert.Equal(Math.Sqrt(90), test.Cells[1][1].BubbleRadius, 12);            // proportion 1
    }

    [Fact]
    public void Greyscale_is_d3_greys_from_0_05_to_1()
    {
        // interpolateGreys(0.05): 0.05·8 = 0.4 into the first segment of the 9 ColorBrewer greys (255, 240, 217, …), with
        // the phantom point 2·255 − 240 = 270: (0.216·270 + 3.232·255 + 2.488·240 + 0.064·217) / 6 = 248.9 → f9.
        Assert.Equal("#f9f9f9", ViewColors.Grey(0));
        // v = 0.5 → t = 0.525: 0.2 into segment 4 (189, 150, 115, 82): (0.512·189 + 3.784·150 + 1.696·115 + 0.008·82) / 6 = 143.3 → 8f.
        Assert.Equal("#8f8f8f", ViewColors.Grey(0.5));
        Assert.Equal("#000000", ViewColors.Grey(1));
    }

    [Fact]
    public void Bubble_colour_is_turbo_from_0_05_to_1()
    {
        Assert.Equal(ColorScales.InterpolateTurbo(0.05), ViewColors.Heat(0));
        Assert.Equal(ColorScales.InterpolateTurbo(0.525), ViewColors.Heat(0.5));
        Assert.Equal(ColorScales.InterpolateTurbo(1), ViewColors.Heat(1));
        Assert.Equal(ViewColors.Heat(1), ViewColors.Heat(3));
    }
}

public class LayerSimilarityModelTests
{
    [Fact]
    public void Lines_are_the_diagonals_of_other_classes_and_forget_class()
    {
        var m = LayerSimilarityModel.Build(ViewFixtures.ModelA(), "(Unlearned, aaaa)", ViewFixtures.ModelB(), "(Unlearned, bbbb)", CkaReference.Original, DataSplit.Train);
        Assert.Equal(["conv1", "layer1", "fc"], m.Layers);
        Assert.Equal(4, m.Lines.Count);
        var aRetain = m.Lines.Single(l => !l.IsModelB && !l.Forget);
        var aForget = m.Lines.Single(l => !l.IsModelB && l.Forget);
        Assert.Equal([1.0, 0.5, 0.9], aRetain.Values);
        Assert.Equal([0.9, 0.6, 0.3], aForget.Values);
        Assert.False(m.FellBack);
        // Legend order: A Retain, B Retain, A Forget, B Forget.
        Assert.Equal([(false, false), (true, false), (false, true), (true, true)], m.Lines.Select(l => (l.IsModelB, l.Forget)));
    }

    [Fact]
    public void Retrained_reference_uses_cka_retrain_and_falls_back_to_cka_when_missing()
    {
        var m = LayerSimilarityModel.Build(ViewFixtures.ModelA(), "A", ViewFixtures.ModelB(), "B", CkaReference.Retrained, DataSplit.Train);
        Assert.Equal([0.95, 0.85, 0.75], m.Lines.Single(l => !l.IsModelB && !l.Forget).Values);
        // Model B has no cka_retrain: its lines come from cka.
        Assert.Equal([1.0, 0.5, 0.9], m.Lines.Single(l => l.IsModelB && !l.Forget).Values);
        Assert.True(m.FellBack);
    }

    [Fact]
    public void Test_split_reads_the_test_matrices()
    {
        var m = LayerSimilarityModel.Build(ViewFixtures.ModelA(), "A", ViewFixtures.ModelB(), "B", CkaReference.Original, DataSplit.Test);
        // The fixture swaps the matrices for the test split.
        Assert.Equal([0.9, 0.6, 0.3], m.Lines.Single(l => !l.IsModelB && !l.Forget).Values);
    }
}

public class EmbeddingModelTests
{
    [Theory]
    [InlineData(HighlightMode.All, new[] { 100, 101, 102, 200, 201, 300 })]
    [InlineData(HighlightMode.TargetToForget, new[] { 100, 101, 102 })]
    [InlineData(HighlightMode.CorrectlyForgotten, new[] { 101, 102 })]
    [InlineData(HighlightMode.NotForgotten, new[] { 100 })]
    [InlineData(HighlightMode.OverlyForgotten, new[] { 201 })]
    public void Highlight_filters_select_the_expected_samples(HighlightMode mode, int[] expected)
    {
        var m = EmbeddingModel.Build(ViewFixtures.ModelA(), mode);
        Assert.Equal(6, m.Points.Count);
        Assert.Equal(expected, m.Points.Where(p => p.Highlighted).Select(p => p.Img));
        Assert.Equal(expected.Length, m.HighlightedCount);
    }

    [Fact]
    public void Instance_details_pair_both_models_probabilities()
    {
        var a = ViewFixtures.ModelA();
        var b = ViewFixtures.ModelB();
        b.Points[1].Probs = [0.5, 0.4, 0.1];
        b.Points[1].Pred = 0;
        var d = InstanceDetails.Build(101, a, "Model A", b, "Model B", ["zero", "one", "two"])!;
        Assert.Equal(0, d.Gt);
        Assert.Equal(2, d.FirstPred);
        Assert.Equal(0, d.SecondPred);
        Assert.Equal([0.2, 0.1, 0.7], d.Probabilities.Select(p => p.First));
        Assert.Equal([0.5, 0.4, 0.1], d.Probabilities.Select(p => p.Second));
        Assert.Null(InstanceDetails.Build(999, a, "A", b, "B", []));
    }
}

/// <summary>Element-wise comparison with an absolute tolerance.</summary>
internal sealed class Tol(double eps) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= eps;
    public int GetHashCode(double obj) => 0;
}
