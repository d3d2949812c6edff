namespace Unlearning.Web.Components.Views;

/// <summary>The comparison colours of docs/views.md, "Colours and legends" (Model A emerald, Model B purple, Retrained gray, classes Tableau 10).</summary>
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

    /// <summary>The prediction matrix's grayscale for a value v in [0, 1]: d3's interpolateGreys(0.05 + 0.95·v) (docs/views.md, "Prediction matrix").</summary>
    public static string Grey(double v) => Screen.ColorScales.InterpolateGreys(0.05 + 0.95 * Math.Clamp(double.IsNaN(v) ? 0 : v, 0, 1));

    /// <summary>The bubble mode's colour for a confidence v in [0, 1]: d3's interpolateTurbo(0.05 + 0.95·v) (docs/views.md, "Prediction matrix").</summary>
    public static string Heat(double v) => Screen.ColorScales.InterpolateTurbo(0.05 + 0.95 * Math.Clamp(double.IsNaN(v) ? 0 : v, 0, 1));

    /// <summary>CSS gradient of a matrix colour scale (<see cref="Grey"/> or <see cref="Heat"/>) from v = 0 to 1, for the legend.</summary>
    public static string Gradient(Func<double, string> scale, int stops = 11) =>
        "linear-gradient(to right, " + string.Join(", ", Enumerable.Range(0, stops).Select(i => scale(i / (double)(stops - 1)))) + ")";
}

/// <summary>Which side of the comparison a view belongs to.</summary>
public enum ModelSide { A, B }
