namespace Unlearning.Web.Components.Layout;

/// <summary>Result of the forget-set dialog: the dataset and architecture, and the chosen (or just created) forget set.</summary>
public sealed record ForgetClassChoice(string Dataset, string Architecture, string ForgetSetId, string Name);
