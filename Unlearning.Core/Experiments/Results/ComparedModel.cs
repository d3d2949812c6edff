using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Core.Experiments;

/// <summary>
/// One model as the comparison views show it: its identity, its type and forget class, and its stored results
/// with the subset attack curves already typed. Built by <see cref="ExperimentResultsReader"/>.
/// </summary>
/// <param name="Id">Full experiment id.</param>
/// <param name="Type">Original, Retrained, Unlearned or Uploaded.</param>
/// <param name="ForgetClass">The class the model is compared on.</param>
/// <param name="Results">The results document; null when the experiment is not evaluated yet.</param>
public sealed record ComparedModel(string Id, ExperimentType Type, int ForgetClass, ExperimentResults? Results)
{
    /// <summary>The short id shown in the table (<c>0003</c>, <c>a003</c>, <c>3f9c</c>).</summary>
    public string ShortId => ExperimentIds.Display(Id);

    /// <summary>"(Unlearned, 285d)" as in the original's titles and legends.</summary>
    public string Label => $"({Type}, {ShortId})";

    public bool IsOriginal => Type == ExperimentType.Original;

    /// <summary>The four subset attack curves against the Retrained model; null when not evaluated or a curve is missing.</summary>
    public AttackCurves? AttackCurves { get; } = Results?.Attack?.Curves();
}
