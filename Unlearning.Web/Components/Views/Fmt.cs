using System.Globalization;

namespace Unlearning.Web.Components.Views;

/// <summary>Invariant-culture number formatting for labels and SVG coordinates.</summary>
public static class Fmt
{
    public static string N(double v, int digits = 3) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>An SVG coordinate (2 dp, invariant).</summary>
    public static string P(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
