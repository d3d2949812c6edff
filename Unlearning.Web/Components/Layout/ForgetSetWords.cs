using System.Globalization;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Components.Layout;

/// <summary>The open forget set stated in words for the app bar (docs/views.md, "Header and forget-class tabs").</summary>
public static class ForgetSetWords
{
    /// <summary>
    /// "Forgetting class Trouser: 6,000 training images", "Forgetting 10 % of the training set, stratified (6,000 images, seed 1)",
    /// "Forgetting 500 images of class Shirt (seed 3)", "Forgetting an uploaded list of 120 images".
    /// </summary>
    public static string Describe(ForgetSetInfo set, DatasetInfo dataset)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(dataset);
        var inv = CultureInfo.InvariantCulture;
        string images = string.Format(inv, "{0:N0} {1}", set.Size, set.Size == 1 ? "image" : "images");
        string ClassName(int? c) => c is int k && k >= 0 && k < dataset.ClassNames.Count ? dataset.ClassNames[k] : c?.ToString(inv) ?? "?";
        string seed = set.Seed is long s ? string.Format(inv, ", seed {0}", s) : "";
        return set.Kind switch
        {
            ForgetSetKind.Class => $"Forgetting class {ClassName(set.Class)}: {images} of {dataset.DisplayName} training data",
            ForgetSetKind.Random when set.Percent is double p =>
                string.Format(inv, "Forgetting {0:0.##} % of the training set{1} ({2}{3})", p, set.Stratified ? ", stratified" : "", images, seed),
            ForgetSetKind.Random => $"Forgetting {images} drawn at random from the training set{(set.Stratified ? ", stratified" : "")}{(seed.Length > 0 ? $" ({seed[2..]})" : "")}",
            ForgetSetKind.SubClass => $"Forgetting {images} of class {ClassName(set.Class)}{(seed.Length > 0 ? $" ({seed[2..]})" : "")}",
            _ => $"Forgetting an uploaded list of {images}",
        };
    }
}
