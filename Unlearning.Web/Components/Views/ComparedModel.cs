using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Components.Views;

/// <summary>One model as the comparison views show it: its label "(Type, id)" and its results document.</summary>
/// <param name="Id">Full experiment id.</param>
/// <param name="Type">Experiment type (Original, Retrained, Unlearned, Uploaded).</param>
/// <param name="Results">The results document; null when the experiment is not evaluated yet.</param>
public sealed record ComparedModel(string Id, ExperimentType Type, ExperimentResults? Results)
{
    /// <summary>The short id shown in the table (<c>0003</c>, <c>a003</c>, <c>3f9c</c>).</summary>
    public string ShortId => ExperimentIds.Display(Id);

    /// <summary>"(Unlearned, 285d)" as in the original's titles and legends.</summary>
    public string Label => $"({Type}, {ShortId})";

    public bool IsOriginal => Type == ExperimentType.Original;

    /// <summary>Infers the type from the id scheme when no stored row is at hand (tests, pasted results).</summary>
    public static ExperimentType TypeFromId(string id) =>
        id.StartsWith("000", StringComparison.Ordinal) ? ExperimentType.Original
        : id.StartsWith("a00", StringComparison.Ordinal) ? ExperimentType.Retrained
        : ExperimentType.Unlearned;
}
