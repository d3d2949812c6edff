using System.Globalization;

namespace Unlearning.Web.Components.Screen;

/// <summary>
/// d3's sequential colour ramps (d3-scale-chromatic <c>interpolateGreens/Blues/Oranges</c>), re-created in C#:
/// each ramp is d3's 9-colour ColorBrewer scheme joined by d3-interpolate's uniform B-spline
/// (<c>interpolateRgbBasis</c>), so the colours match the original table's cells.
/// </summary>
public static class ColorScales
{
    private static readonly string[] GreensScheme = ["#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b"];
    private static readonly string[] BluesScheme = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"];
    private static readonly string[] GreysScheme = ["#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525", "#000000"];
    private static readonly string[] OrangesScheme = ["#fff5eb", "#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#a63603", "#7f2704"];

    private static readonly (double R, double G, double B)[] Greens = Parse(GreensScheme);
    private static readonly (double R, double G, double B)[] Blues = Parse(BluesScheme);
    private static readonly (double R, double G, double B)[] Oranges = Parse(OrangesScheme);
    private static readonly (double R, double G, double B)[] Greys = Parse(GreysScheme);

    /// <summary>d3.interpolateGreens(t), t clamped to [0, 1], as <c>#rrggbb</c>.</summary>
    public static string InterpolateGreens(double t) => Basis(Greens, t);
    /// <summary>d3.interpolateBlues(t), t clamped to [0, 1].</summary>
    public static string InterpolateBlues(double t) => Basis(Blues, t);
    /// <summary>d3.interpolateOranges(t), t clamped to [0, 1].</summary>
    public static string InterpolateOranges(double t) => Basis(Oranges, t);
    /// <summary>d3.interpolateGreys(t), t clamped to [0, 1]: white to black.</summary>
    public static string InterpolateGreys(double t) => Basis(Greys, t);

    // Turbo as the quintic polynomial per channel that Anton Mikhailov published with the colormap (Google AI blog,
    // "Turbo, An Improved Rainbow Colormap for Visualization", 2019): channel(t) = Σₖ cₖ·tᵏ, k = 0..5, in [0, 1].
    // d3.interpolateTurbo, which the original's bubble matrix uses, evaluates the same polynomial (coefficients
    // pre-multiplied by 255), so the colours agree to within one unit per channel.
    private static readonly double[] TurboRed = [0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943];
    private static readonly double[] TurboGreen = [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604];
    private static readonly double[] TurboBlue = [0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973];

    /// <summary>The Turbo colormap at t (clamped to [0, 1]): dark blue → cyan → green → yellow → red → dark red.</summary>
    public static string InterpolateTurbo(double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        static double Channel(double[] c, double t)
        {
            double v = 0;
            for (int k = c.Length - 1; k >= 0; k--) v = v * t + c[k];
            return 255 * v;
        }
        return ToHex(Channel(TurboRed, t), Channel(TurboGreen, t), Channel(TurboBlue, t));
    }

    /// <summary>
    /// The table's mapping of a normalised value onto a ramp (docs/views.md, "Screening table"): <c>interpolateX(0.03 + 0.72·t)</c>
    /// with t clamped to [0, 1], so cells never reach the ramp's white start or its near-black end.
    /// </summary>
    public static string Cell(Func<double, string> ramp, double t) => ramp(0.03 + 0.72 * Math.Clamp(double.IsNaN(t) ? 0 : t, 0, 1));

    /// <summary>CSS linear-gradient of the cell range of a ramp, for the legend bars.</summary>
    public static string LegendGradient(Func<double, string> ramp, int stops = 8) =>
        "linear-gradient(to right, " + string.Join(", ", Enumerable.Range(0, stops).Select(i => Cell(ramp, i / (double)(stops - 1)))) + ")";

    // d3-interpolate/src/basis.js: a uniform cubic B-spline through the scheme's colours; the end segments use
    // reflected phantom points (2·v1 − v2), which makes the curve pass exactly through the first and last colour.
    private static string Basis((double R, double G, double B)[] v, double t)
    {
        if (double.IsNaN(t)) t = 0;
        int n = v.Length - 1;
        int i;
        if (t <= 0) { t = 0; i = 0; }
        else if (t >= 1) { t = 1; i = n - 1; }
        else i = (int)Math.Floor(t * n);
        var v1 = v[i];
        var v2 = v[i + 1];
        (double R, double G, double B) v0 = i > 0 ? v[i - 1] : (2 * v1.R - v2.R, 2 * v1.G - v2.G, 2 * v1.B - v2.B);
        (double R, double G, double B) v3 = i < n - 1 ? v[i + 2] : (2 * v2.R - v1.R, 2 * v2.G - v1.G, 2 * v2.B - v1.B);
        double u = (t - (double)i / n) * n;
        return ToHex(Spline(u, v0.R, v1.R, v2.R, v3.R), Spline(u, v0.G, v1.G, v2.G, v3.G), Spline(u, v0.B, v1.B, v2.B, v3.B));
    }

    private static double Spline(double t1, double v0, double v1, double v2, double v3)
    {
        double t2 = t1 * t1, t3 = t2 * t1;
        return ((1 - 3 * t1 + 3 * t2 - t3) * v0 + (4 - 6 * t2 + 3 * t3) * v1 + (1 + 3 * t1 + 3 * t2 - 3 * t3) * v2 + t3 * v3) / 6;
    }

    private static string ToHex(double r, double g, double b)
    {
        static int C(double x) => (int)Math.Clamp(Math.Round(x, MidpointRounding.AwayFromZero), 0, 255);
        return $"#{C(r):x2}{C(g):x2}{C(b):x2}";
    }

    private static (double R, double G, double B)[] Parse(string[] hex) =>
        [.. hex.Select(h => ((double)int.Parse(h[1..3], NumberStyles.HexNumber), (double)int.Parse(h[3..5], NumberStyles.HexNumber), (double)int.Parse(h[5..7], NumberStyles.HexNumber)))];
}
