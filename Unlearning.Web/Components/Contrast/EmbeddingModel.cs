using Unlearning.Core.Evaluation;

namespace Unlearning.Web.Components.Contrast;

/// <summary>The Embedding Space's highlight tabs (docs/views.md, "Embedding view").</summary>
public enum HighlightMode { All, TargetToForget, CorrectlyForgotten, NotForgotten, OverlyForgotten }

/// <summary>One point of an embedding plot.</summary>
public sealed record EmbeddingPoint(int Index, int Img, int Gt, int Pred, bool IsForget, double X, double Y, bool Highlighted);

/// <summary>One model's embedding plot: 2-D positions of the fixed subset (aligned across models), colour = predicted class.</summary>
public sealed record EmbeddingModel(IReadOnlyList<EmbeddingPoint> Points)
{
    public int HighlightedCount => Points.Count(p => p.Highlighted);

    /// <summary>Says how many stored points could not be drawn (non-finite or absurd positions, negative indexes); null when all were.</summary>
    public string? Note { get; init; }

    public static EmbeddingModel Build(ExperimentResults r, HighlightMode mode)
    {
        var tally = new Views.PlotSanitizer();
        return new([.. tally.Drawable(r.Points).Select((p, i) => new EmbeddingPoint(i, p.Img, p.Gt, p.Pred, p.IsForget, p.X, p.Y, IsHighlighted(p, mode)))])
        { Note = tally.Note };
    }

    /// <summary>Mode descriptions shown under the tabs.</summary>
    public static string Describe(HighlightMode mode) => mode switch
    {
        HighlightMode.All => "Shows all instances from both retain and forget classes.",
        HighlightMode.TargetToForget => "Shows only the instances of the forget class.",
        HighlightMode.CorrectlyForgotten => "Forget-class instances the model now misclassifies (predicted ≠ forget class).",
        HighlightMode.NotForgotten => "Forget-class instances the model still predicts as the forget class.",
        _ => "Retain-class instances the model misclassifies (predicted ≠ true class).",
    };

    public static string Title(HighlightMode mode) => mode switch
    {
        HighlightMode.All => "All",
        HighlightMode.TargetToForget => "Target to Forget",
        HighlightMode.CorrectlyForgotten => "Correctly Forgotten",
        HighlightMode.NotForgotten => "Not Forgotten",
        _ => "Overly Forgotten",
    };

    /// <summary>
    /// The highlight filters: Target to Forget = forget samples; Correctly Forgotten = forget samples with
    /// pred ≠ gt (gt is the forget class); Not Forgotten = forget samples with pred = gt; Overly Forgotten =
    /// retain samples with pred ≠ gt.
    /// </summary>
    public static bool IsHighlighted(SubsetPoint p, HighlightMode mode) => mode switch
    {
        HighlightMode.All => true,
        HighlightMode.TargetToForget => p.IsForget,
        HighlightMode.CorrectlyForgotten => p.IsForget && p.Pred != p.Gt,
        HighlightMode.NotForgotten => p.IsForget && p.Pred == p.Gt,
        _ => !p.IsForget && p.Pred != p.Gt,
    };
}

/// <summary>One class of the instance details' grouped probability bars.</summary>
public sealed record ClassProbability(int Class, string Name, double First, double Second);

/// <summary>The clicked sample: its image, true class, both models' predictions and class probabilities (T = 2).</summary>
public sealed record InstanceDetails(int Img, int Gt, string FirstLabel, int FirstPred, string SecondLabel, int SecondPred, IReadOnlyList<ClassProbability> Probabilities)
{
    /// <summary>Details of the subset sample <paramref name="img"/> in two models' results (null when absent from either).</summary>
    public static InstanceDetails? Build(int img, ExperimentResults first, string firstLabel, ExperimentResults second, string secondLabel, IReadOnlyList<string> classNames)
    {
        var p1 = first.Points.FirstOrDefault(p => p.Img == img);
        var p2 = second.Points.FirstOrDefault(p => p.Img == img);
        if (p1 is null || p2 is null) return null;
        int k = Math.Max(classNames.Count, Math.Max(p1.Probs.Length, p2.Probs.Length));
        var probs = Enumerable.Range(0, k).Select(c => new ClassProbability(c,
            c < classNames.Count ? classNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture),
            c < p1.Probs.Length ? p1.Probs[c] : 0, c < p2.Probs.Length ? p2.Probs[c] : 0)).ToList();
        return new InstanceDetails(img, p1.Gt, firstLabel, p1.Pred, secondLabel, p2.Pred, probs);
    }
}
