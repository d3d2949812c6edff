using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Screen;

namespace Unlearning.Tests.Web.Components.Screen;

public class ExperimentTableModelTests
{
    // Knot colours of the cell range's dark end, interpolateX(0.75) = (c5 + 4·c6 + c7)/6 per channel, by hand:
    private const string Greens075 = "#228b45"; // (65+140+0)/6=34, (171+556+109)/6=139, (93+276+44)/6=69
    private const string Blues075 = "#2271b4";  // (66+132+8)/6=34, (146+452+81)/6=113, (198+724+156)/6=180
    private const string Oranges075 = "#d54b04";

    [Fact]
    public void Best_values_get_the_dark_end_with_white_text()
    {
        Assert.Equal(new MetricCell("0.000", Greens075, true), ExperimentTableModel.Cell(TableColumn.UA, 0, 1));
        Assert.Equal(new MetricCell("1.000", Greens075, true), ExperimentTableModel.Cell(TableColumn.RA, 1, 1));
        Assert.Equal(new MetricCell("0.0", Blues075, true), ExperimentTableModel.Cell(TableColumn.RT, 0, 1));
        Assert.Equal(new MetricCell("1.000", Oranges075, true), ExperimentTableModel.Cell(TableColumn.PS, 1, 1));
        Assert.Equal(Greens075, ExperimentTableModel.Cell(TableColumn.TRA, 0.95, 0.95).Background);
    }

    [Fact]
    public void Values_past_the_domain_get_the_lightest_colour_and_dark_text()
    {
        string lightest = ColorScales.InterpolateGreens(0.03);
        Assert.Equal(new MetricCell("1.000", lightest, false), ExperimentTableModel.Cell(TableColumn.UA, 1.0, 1));
        Assert.Equal(lightest, ExperimentTableModel.Cell(TableColumn.UA, 0.2, 1).Background);
        Assert.Equal(lightest, ExperimentTableModel.Cell(TableColumn.RA, 0.5, 1).Background);
        Assert.Equal(new MetricCell("500.0", ColorScales.InterpolateBlues(0.03), false), ExperimentTableModel.Cell(TableColumn.RT, 500, 1));
    }

    [Theory]
    [InlineData(TableColumn.UA, 0.1, true)]
    [InlineData(TableColumn.UA, 0.11, false)]
    [InlineData(TableColumn.TUA, 0.1, true)]
    [InlineData(TableColumn.RA, 0.92, true)]
    [InlineData(TableColumn.RA, 0.919, false)]
    [InlineData(TableColumn.RT, 64, true)]
    [InlineData(TableColumn.RT, 64.1, false)]
    [InlineData(TableColumn.PS, 0.6, true)]
    [InlineData(TableColumn.PS, 0.59, false)]
    [InlineData(TableColumn.TRA, 0.874, true)]   // ≥ 0.92 × 0.95 = 0.874
    [InlineData(TableColumn.TRA, 0.873, false)]
    public void White_text_thresholds(TableColumn column, double value, bool white) =>
        Assert.Equal(white, ExperimentTableModel.Cell(column, value, 0.95).WhiteText);

    [Fact]
    public void Missing_values_show_a_dash_without_colour() =>
        Assert.Equal(new MetricCell("-", null, false), ExperimentTableModel.Cell(TableColumn.PS, null, 1));

    [Fact]
    public void Sorting_cycles_desc_asc_off_with_NA_last()
    {
        var rows = TableFixtures.Rows();
        var model = new ExperimentTableModel();
        string Ids() => string.Join(",", model.Rows(rows).Select(r => r.Id));

        Assert.Equal("0003,a003,b001,c003,d004", Ids());
        model.ToggleSort(TableColumn.PS);
        Assert.Equal("a003,d004,b001,0003,c003", Ids());      // 1.0, 0.7, 0.4, then N/A (Original, c003) in default order
        model.ToggleSort(TableColumn.PS);
        Assert.Equal("b001,d004,a003,0003,c003", Ids());      // ascending, N/A still last
        model.ToggleSort(TableColumn.PS);
        Assert.Null(model.SortColumn);
        Assert.Equal("0003,a003,b001,c003,d004", Ids());
    }

    [Fact]
    public void Method_filter_keeps_baselines_and_matching_methods()
    {
        var model = new ExperimentTableModel(m => m == "FineTuning" ? "Fine-Tuning" : m ?? "-");
        model.MethodFilter.Add("GradientAscent");
        var rows = model.Rows(TableFixtures.Rows());
        Assert.Equal(["0003", "a003", "c003"], rows.Select(r => r.Id));
        model.MethodFilter.Clear();
        var all = model.Rows(TableFixtures.Rows());
        Assert.Equal("Fine-Tuning", all.Single(r => r.Id == "b001").Method);
        Assert.Equal("-", all.Single(r => r.Id == "a003").Method);
        Assert.Equal("0003", all.Single(r => r.Id == "b001").Base);
    }
}
