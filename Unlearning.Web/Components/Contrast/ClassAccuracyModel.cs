using Unlearning.Core.Evaluation;

namespace Unlearning.Web.Components.Contrast;

/// <summary>One class's bar of the class-wise accuracy chart: gap = acc_B − acc_A.</summary>
public sealed record ClassGap(int Class, string Name, bool IsForget, double AccA, double AccB)
{
    public double Gap => AccB - AccA;
}

/// <summary>One chart ("Training Dataset" or "Test Dataset") of the class-wise accuracy view.</summary>
/// <param name="RetainAverage">Mean gap over the retain classes (all classes but the forget class): the dashed line.</param>
public sealed record ClassGapChart(string Title, IReadOnlyList<ClassGap> Bars, double RetainAverage);

/// <summary>
/// Class-wise accuracy gaps of Model B against Model A (docs/views.md, "Class-wise accuracy"): one bar per class with gap
/// acc_B − acc_A, a dashed line at the mean gap over the retain classes, and a symmetric x domain ±MaxGap
/// shared by the train and test charts (MaxGap = largest |gap| over both).
/// </summary>
public sealed record ClassAccuracyModel(ClassGapChart Train, ClassGapChart Test, double MaxGap)
{
    /// <summary>Says how many stored accuracies were outside [0, 1] and clipped; null when none.</summary>
    public string? Note { get; init; }

    public static ClassAccuracyModel Build(ExperimentResults a, ExperimentResults b, int forgetClass, IReadOnlyList<string> classNames)
    {
        var tally = new Views.PlotSanitizer();
        var train = Chart("Training Dataset", tally.Units(a.Accs), tally.Units(b.Accs), forgetClass, classNames);
        var test = Chart("Test Dataset", tally.Units(a.TAccs), tally.Units(b.TAccs), forgetClass, classNames);
        double max = train.Bars.Concat(test.Bars).Select(g => Math.Abs(g.Gap)).DefaultIfEmpty(0).Max();
        return new ClassAccuracyModel(train, test, max) { Note = tally.Note };
    }

    private static ClassGapChart Chart(string title, double[] accA, double[] accB, int forgetClass, IReadOnlyList<string> names)
    {
        int k = Math.Min(accA.Length, accB.Length);
        var bars = Enumerable.Range(0, k)
            .Select(i => new ClassGap(i, i < names.Count ? names[i] : i.ToString(System.Globalization.CultureInfo.InvariantCulture), i == forgetClass, accA[i], accB[i]))
            .ToList();
        var retain = bars.Where(g => !g.IsForget).Select(g => g.Gap).ToList();
        return new ClassGapChart(title, bars, retain.Count == 0 ? 0 : retain.Average());
    }
}
