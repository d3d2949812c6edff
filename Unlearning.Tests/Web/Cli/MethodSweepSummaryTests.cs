using Unlearning.Web.Cli;

namespace Unlearning.Tests.Web.Cli;

/// <summary>The mean ± std table of <c>benchmark-methods</c> and its collapse / not-forgotten call-outs, against hand-computed values.</summary>
public sealed class MethodSweepSummaryTests
{
    [Fact]
    public void Mean_and_sample_standard_deviation_match_hand_computed_values()
    {
        // 0.90, 0.92, 0.97: mean 2.79 / 3 = 0.93; squared deviations 0.0009 + 0.0001 + 0.0016 = 0.0026; / (3 − 1) = 0.0013.
        var m = MethodSweepSummary.Of([0.90, 0.92, 0.97]);
        Assert.Equal(0.93, m.Mean, 12);
        Assert.Equal(Math.Sqrt(0.0013), m.Std, 12);
        Assert.Equal(3, m.Count);
        Assert.Equal("0.930 ± 0.036", m.Format());
    }

    [Fact]
    public void Missing_values_are_left_out_and_one_value_has_no_deviation()
    {
        var one = MethodSweepSummary.Of([null, 0.5, null]);
        Assert.Equal((0.5, 0.0, 1), (one.Mean, one.Std, one.Count));
        Assert.Equal("0.500", one.Format());
        var none = MethodSweepSummary.Of([null]);
        Assert.Equal(0, none.Count);
        Assert.Equal("–", none.Format());
    }

    [Fact]
    public void Collapse_and_failure_to_forget_are_flagged_per_class()
    {
        SweepRow[] rows =
        [
            new("Original", 0, 0, 0.99, 0.99, 0.93, 0.93, null, null),
            new("Original", 1, 0, 0.99, 0.99, 0.95, 0.92, null, null),
            new("Retrained", 0, 0, 0, 0.99, 0, 0.94, null, 300),
            new("Retrained", 1, 0, 0, 0.99, 0, 0.93, null, 310),
            // Class 0: 0.93 − 0.05 = 0.88 is the floor, 0.875 is below it; class 1: 0.87 is exactly at 0.92 − 0.05, not below.
            new("M", 0, 1, 0.00, 0.90, 0.00, 0.875, 0.8, 20),
            new("M", 1, 1, 0.10, 0.90, 0.08, 0.87, 0.6, 22),
        ];
        var summary = MethodSweepSummary.Summarise(rows);
        Assert.Equal(["Original", "Retrained", "M"], summary.Select(s => s.Model));
        var m = summary[2];
        Assert.Equal(2, m.Runs);
        Assert.Equal([0], m.Collapsed);
        Assert.Equal([1], m.NotForgotten);
        Assert.Equal((1, 0.87), m.WorstTra);
        Assert.Equal(0.7, m.Ps.Mean, 12);
        Assert.Equal(Math.Sqrt(0.02), m.Ps.Std, 12);   // (0.1² + 0.1²) / (2 − 1)
        Assert.Equal(21, m.RunTime.Mean, 12);
        Assert.Empty(summary[0].Collapsed);
        Assert.Equal(0, summary[0].RunTime.Count);       // the Original has no RT of its own
        Assert.Empty(summary[1].NotForgotten);

        var text = new StringWriter();
        MethodSweepSummary.Write(text, summary);
        Assert.Contains("| M | 2 | 0.050 ± 0.071 |", text.ToString());
        Assert.Contains("- M: TRA more than 5 points below the Original's on class(es) 0; UA ≥ 0.10 (not forgotten) on class(es) 1.", text.ToString());
        Assert.DoesNotContain("- Retrained", text.ToString());
    }

    [Fact]
    public void Rows_of_several_outputs_are_read_back_with_repeated_baselines_once()
    {
        string[] first =
        [
            "Fashion-MNIST, compact: forget classes 0; seeds 2048; threads 1",
            "| forget class | seed | model | UA | RA | TUA | TRA | PS | RT (s) |",
            "|---|---|---|---|---|---|---|---|---|",
            "| 0 | - | Original | 0.891 | 0.938 | 0.876 | 0.927 | - | - |",
            "| 0 | - | Retrained | 0.000 | 0.948 | 0.000 | 0.939 | - | 323.6 |",
            "| 0 | 2048 | Fine-Tuning | 0.000 | 0.932 | 0.000 | 0.918 | 0.518 | 44.3 |",
        ];
        string[] second =
        [
            "| 0 | - | Original | 0.891 | 0.938 | 0.876 | 0.927 | - | - |",
            "| 0 | 2048 | SSD | 0.100 | 0.900 | 0.050 | 0.880 | 0.700 | 12.0 |",
            "| model | runs | UA | RA | TUA | TRA | PS | RT (s) | lowest TRA (class) |",
        ];
        var rows = MethodSweepSummary.ParseRows([.. first, .. second]);
        Assert.Equal(["Original", "Retrained", "Fine-Tuning", "SSD"], rows.Select(r => r.Model));
        Assert.Equal(new SweepRow("Fine-Tuning", 0, 2048, 0, 0.932, 0, 0.918, 0.518, 44.3), rows[2]);
        Assert.Equal(new SweepRow("Original", 0, 0, 0.891, 0.938, 0.876, 0.927, null, null), rows[0]);
        Assert.Throws<FormatException>(() => MethodSweepSummary.ParseRows(["| 0 | 2048 | X | 0.1 | 0.9 | zero | 0.8 | 0.7 | 12 |"]));
    }

    [Fact]
    public void Rows_with_the_mia_columns_and_without_them_are_read_together()
    {
        var rows = MethodSweepSummary.ParseRows(
        [
            "| forget class | seed | model | UA | RA | TUA | TRA | PS | RT (s) | MIA | MIA-R |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            "| 6 | - | Original | 0.790 | 0.950 | 0.700 | 0.930 | - | - | 0.532 | - |",
            "| 6 | 2048 | SalUn | 0.000 | 0.964 | 0.000 | 0.959 | 0.448 | 60.1 | 0.120 | 0.507 |",
            "| 6 | 2048 | SCRUB | 0.054 | 0.951 | 0.040 | 0.942 | 0.442 | 50.0 |",
        ]);
        Assert.Equal(new SweepRow("Original", 6, 0, 0.790, 0.950, 0.700, 0.930, null, null, 0.532, null), rows[0]);
        Assert.Equal(new SweepRow("SalUn", 6, 2048, 0, 0.964, 0, 0.959, 0.448, 60.1, 0.120, 0.507), rows[1]);
        Assert.Equal(new SweepRow("SCRUB", 6, 2048, 0.054, 0.951, 0.040, 0.942, 0.442, 50.0), rows[2]);
        Assert.Throws<FormatException>(() => MethodSweepSummary.ParseRows(["| 6 | 2048 | X | 0.1 | 0.9 | 0 | 0.8 | 0.7 | 12 | 0.5 | half |"]));
    }
}
