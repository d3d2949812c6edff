using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Screen;

namespace Unlearning.Tests.Web.Components.Screen;

/// <summary>The screening table's free-text filter, column chooser and CSV export (docs/views.md, "Screening table").</summary>
public class TableConveniencesTests
{
    private static ExperimentTableModel Model() => new(m => m switch { "FineTuning" => "Fine-Tuning", "GradientAscent" => "Gradient Ascent", _ => m ?? "-" });

    [Fact]
    public void Text_filter_matches_method_display_names_ids_and_hyperparameters_and_keeps_the_baselines()
    {
        var rows = TableFixtures.Rows();
        var m = Model();
        m.TextFilter = "gradient";
        Assert.Equal(["0003-fashion-mnist-compact", "a003-fashion-mnist-compact", "c003"], m.Rows(rows).Select(r => r.Experiment.Id));
        // Every word must occur: "fine-tuning" and the hyperparameter value of d004 (fixture_row 4).
        m.TextFilter = "Fine-Tuning \"fixture_row\":4";
        Assert.Equal(["0003-fashion-mnist-compact", "a003-fashion-mnist-compact", "d004"], m.Rows(rows).Select(r => r.Experiment.Id));
        m.TextFilter = "b001";
        Assert.Contains("b001", m.Rows(rows).Select(r => r.Experiment.Id));
        Assert.DoesNotContain("d004", m.Rows(rows).Select(r => r.Experiment.Id));
        // Notes are searched too.
        rows[4].Notes = "candidate for the paper";
        m.TextFilter = "paper";
        Assert.Equal(["0003-fashion-mnist-compact", "a003-fashion-mnist-compact", "d004"], m.Rows(rows).Select(r => r.Experiment.Id));
        m.TextFilter = "  ";
        Assert.Equal(5, m.Rows(rows).Count);
    }

    [Fact]
    public void Csv_has_the_visible_columns_at_full_precision_and_quotes_fields()
    {
        var rows = TableFixtures.Rows();
        rows[2].UA = 0.123456789012345;
        rows[2].Notes = "keep, \"best\" so far";
        var m = Model();
        m.HiddenColumns.UnionWith([TableColumn.Epoch, TableColumn.BatchSize, TableColumn.RT, TableColumn.MIA, TableColumn.MiaR, TableColumn.FQ]);
        m.TextFilter = "b001";
        var lines = m.Csv(m.Rows(rows), rows).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,type,base,method,hyperparameters,seed,learning_rate,ua,ra,tua,tra,ps,gap,notes", lines[0]);
        Assert.Equal(4, lines.Length);
        // The JSON has quotes and no comma: quoted with doubled quotes. Gap of b001 against the Retrained row
        // (0, 1.0, 0, 0.94): (0.123456789012345 + 0.1 + 0.06 + 0.04) / 4 = 0.08086419725308625.
        var b = lines.Single(l => l.StartsWith("b001,", StringComparison.Ordinal));
        const string prefix = "b001,Unlearned,0003-fashion-mnist-compact,FineTuning,\"{\"\"fixture_row\"\":2}\",,0.05,0.123456789012345,0.9,0.06,0.9,0.4,";
        Assert.StartsWith(prefix, b);
        // Notes with a comma and quotes: quoted, quotes doubled.
        Assert.EndsWith(",\"keep, \"\"best\"\" so far\"", b);
        string rest = b[prefix.Length..];
        double gap = double.Parse(rest[..rest.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((0.123456789012345 + 0.1 + 0.06 + 0.04) / 4, gap, 12);
        // N/A is an empty field (the Original has no PS and no gap column value is missing here).
        var original = lines.Single(l => l.StartsWith("0003-", StringComparison.Ordinal));
        Assert.Contains(",1,1,0.9,0.95,,", original);
    }

    [Fact]
    public void Hidden_columns_are_reported_and_restored()
    {
        var m = Model();
        Assert.True(m.IsVisible(TableColumn.PS));
        Assert.False(m.IsVisible(TableColumn.Notes)); // starts hidden; the column chooser shows it
        m.HiddenColumns.Add(TableColumn.PS);
        Assert.False(m.IsVisible(TableColumn.PS));
        m.HiddenColumns.Remove(TableColumn.PS);
        Assert.True(m.IsVisible(TableColumn.PS));
    }
}
