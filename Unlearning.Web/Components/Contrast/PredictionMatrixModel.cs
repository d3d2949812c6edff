using Unlearning.Core.Evaluation;

namespace Unlearning.Web.Components.Contrast;

/// <summary>Train or test split of the distributions and CKA values.</summary>
public enum DataSplit { Train, Test }

/// <summary>One cell: the share of true-class samples predicted as the column class and their mean probability of it.</summary>
public sealed record MatrixCell(int TrueClass, int PredictedClass, double Proportion, double Confidence)
{
    /// <summary>Bubble radius √(1 + 89·proportion) in px (docs/views.md, "Prediction matrix"); 0 (hidden) below a proportion of 0.002.</summary>
    public double BubbleRadius => Proportion < 0.002 ? 0 : Math.Sqrt(1 + 89 * Proportion);
}

/// <summary>
/// The prediction matrix of one model (docs/views.md, "Prediction matrix"): rows = true class, columns = predicted class; proportion
/// from <c>label_dist</c> (lower-left triangle / bubble size), confidence from <c>conf_dist</c> (upper-right
/// triangle / bubble colour).
/// </summary>
public sealed record PredictionMatrixModel(int ClassCount, MatrixCell[][] Cells)
{
    /// <summary>Says how many stored proportions or confidences were outside [0, 1] and clipped; null when none.</summary>
    public string? Note { get; init; }

    public static PredictionMatrixModel Build(ExperimentResults r, DataSplit split)
    {
        var tally = new Views.PlotSanitizer();
        var label = split == DataSplit.Train ? r.LabelDist : r.TLabelDist;
        var conf = split == DataSplit.Train ? r.ConfDist : r.TConfDist;
        int k = label.Length;
        var cells = new MatrixCell[k][];
        for (int i = 0; i < k; i++)
        {
            cells[i] = new MatrixCell[label[i].Length];
            for (int j = 0; j < label[i].Length; j++)
                cells[i][j] = new MatrixCell(i, j, tally.Unit(label[i][j]), i < conf.Length && j < conf[i].Length ? tally.Unit(conf[i][j]) : 0);
        }
        return new PredictionMatrixModel(k, cells) { Note = tally.Note };
    }
}
