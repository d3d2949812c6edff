using Unlearning.Web.Components.Screen;

namespace Unlearning.Tests.Web.Components.Screen;

public class ColorScalesTests
{
    // End points are the ColorBrewer schemes' first and last colours (d3's basis spline passes through them).
    [Theory]
    [InlineData("greens", 0, "#f7fcf5")]
    [InlineData("greens", 1, "#00441b")]
    [InlineData("blues", 0, "#f7fbff")]
    [InlineData("blues", 1, "#08306b")]
    [InlineData("oranges", 0, "#fff5eb")]
    [InlineData("oranges", 1, "#7f2704")]
    public void Ramps_start_and_end_at_the_scheme_colours(string ramp, double t, string expected) =>
        Assert.Equal(expected, Ramp(ramp)(t));

    [Theory]
    [InlineData("greens", -0.5, 0)]
    [InlineData("greens", 7, 1)]
    [InlineData("blues", double.NegativeInfinity, 0)]
    [InlineData("oranges", 1.0001, 1)]
    public void Values_outside_0_1_are_clamped(string ramp, double t, double clamped) =>
        Assert.Equal(Ramp(ramp)(clamped), Ramp(ramp)(t));

    [Fact]
    public void Midpoint_is_the_basis_spline_of_the_middle_colours()
    {
        // t = 0.5 on 9 colours is the knot at colour 4: (c3 + 4·c4 + c5) / 6 per channel.
        // Greens: (161+4·116+65)/6 = 115, (217+4·196+171)/6 = 195.3, (155+4·118+93)/6 = 120.
        Assert.Equal("#73c378", ColorScales.InterpolateGreens(0.5));
    }

    [Fact]
    public void Table_cells_use_the_0_03_to_0_75_part_of_a_ramp()
    {
        Assert.Equal(ColorScales.InterpolateOranges(0.03), ColorScales.Cell(ColorScales.InterpolateOranges, -3));
        // 0.75 on 9 colours is the knot at colour 6: Oranges (241+4·217+166)/6 = 212.5 → 213, (105+4·72+54)/6 = 74.5 → 75, (19+4+3)/6 = 4.3.
        Assert.Equal("#d54b04", ColorScales.Cell(ColorScales.InterpolateOranges, 1));
        Assert.Equal("#d54b04", ColorScales.Cell(ColorScales.InterpolateOranges, 42));
    }

    private static Func<double, string> Ramp(string name) => name switch
    {
        "greens" => ColorScales.InterpolateGreens,
        "blues" => ColorScales.InterpolateBlues,
        _ => ColorScales.InterpolateOranges,
    };

    // Turbo's published polynomial (Mikhailov 2019) evaluated independently term by term, ×255, rounded:
    // t = 0: (34.61, 23.31, 27.20); 0.1: (73.46, 88.11, 221.01); 0.25: (37.82, 188.82, 224.58); 0.5: (150.07, 250.38, 79.86);
    // 0.75: (260.26 → 255, 127.94, 29.07); 1: (144.29, 12.85, −6.51 → 0).
    [Theory]
    [InlineData(0, "#23171b")]
    [InlineData(0.1, "#4958dd")]
    [InlineData(0.25, "#26bde1")]
    [InlineData(0.5, "#96fa50")]
    [InlineData(0.75, "#ff801d")]
    [InlineData(1, "#900d00")]
    public void Turbo_matches_the_published_polynomial(double t, string expected) =>
        Assert.Equal(expected, ColorScales.InterpolateTurbo(t));

    [Fact]
    public void Turbo_runs_from_dark_blue_through_green_to_dark_red()
    {
        static (int R, int G, int B) Rgb(string hex) => (Convert.ToInt32(hex[1..3], 16), Convert.ToInt32(hex[3..5], 16), Convert.ToInt32(hex[5..7], 16));
        var low = Rgb(ColorScales.InterpolateTurbo(0.1));
        var mid = Rgb(ColorScales.InterpolateTurbo(0.5));
        var high = Rgb(ColorScales.InterpolateTurbo(0.9));
        Assert.True(low.B > low.R && low.B > low.G);
        Assert.True(mid.G > mid.R && mid.G > mid.B);
        Assert.True(high.R > high.G && high.R > high.B);
        Assert.Equal(ColorScales.InterpolateTurbo(0), ColorScales.InterpolateTurbo(-1));
        Assert.Equal(ColorScales.InterpolateTurbo(1), ColorScales.InterpolateTurbo(double.PositiveInfinity));
    }

    [Fact]
    public void Greys_start_white_and_end_black()
    {
        Assert.Equal("#ffffff", ColorScales.InterpolateGreys(0));
        Assert.Equal("#000000", ColorScales.InterpolateGreys(1));
    }
}
