namespace Unlearning.Web.Components.Views;

/// <summary>The comparison colours of REFERENCE §8.8 (Model A emerald, Model B purple, Retrained gray, classes Tableau 10).</summary>
public static class ViewColors
{
    public const string ModelA = "#10B981";
    public const string ModelALight = "#C8EBDA";
    public const string ModelB = "#A855F7";
    public const string ModelBLight = "#E6D0FD";
    public const string Retrained = "#6a6a6a";
    public const string RetrainedLight = "#D4D4D4";
    public const string Grid = "#EFEFEF";
    public const string NeutralDark = "#585858";
    public const string AttackScore = "#E15759";
    public const string Fpr = "#4E79A7";
    public const string Fnr = "#59A14F";

    public static readonly string[] Tableau10 =
        ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"];

    /// <summary>Colour of class <paramref name="k"/> (Tableau 10, repeating for more than 10 classes).</summary>
    public static string Class(int k) => Tableau10[((k % Tableau10.Length) + Tableau10.Length) % Tableau10.Length];

    public static string Model(ModelSide side) => side == ModelSide.A ? ModelA : ModelB;
    public static string ModelLight(ModelSide side) => side == ModelSide.A ? ModelALight : ModelBLight;

    /// <summary>
    /// d3's interpolateGreys(0.05 + 0.95·v) approximated linearly from white (#FFFFFF) to black: the
    /// prediction matrix's grayscale for a value v in [0, 1].
    /// </summary>
    public static string Grey(double v)
    {
        double t = 0.05 + 0.95 * Math.Clamp(v, 0, 1);
        int c = (int)Math.Round(255 * (1 - t));
        return $"#{c:X2}{c:X2}{c:X2}";
    }

    /// <summary>A sequential blue → red colour (a compact stand-in for d3's Turbo) for the bubble mode's confidence.</summary>
    public static string Heat(double v)
    {
        double t = 0.05 + 0.95 * Math.Clamp(v, 0, 1);
        // Stops of Turbo at 0, .25, .5, .75, 1 (rounded), interpolated linearly.
        (double p, int r, int g, int b)[] stops = [(0, 48, 18, 59), (0.25, 40, 188, 235), (0.5, 164, 252, 60), (0.75, 251, 128, 34), (1, 122, 4, 3)];
        for (int i = 1; i < stops.Length; i++)
        {
            if (t > stops[i].p) continue;
            var (p0, r0, g0, b0) = stops[i - 1];
            var (p1, r1, g1, b1) = stops[i];
            double f = (t - p0) / (p1 - p0);
            return $"#{(int)Math.Round(r0 + f * (r1 - r0)):X2}{(int)Math.Round(g0 + f * (g1 - g0)):X2}{(int)Math.Round(b0 + f * (b1 - b0)):X2}";
        }
        return "#7A0403";
    }
}

/// <summary>Which side of the comparison a view belongs to.</summary>
public enum ModelSide { A, B }
