namespace Unlearning.Web.Components.Layout;

/// <summary>Result of the forget-class dialog.</summary>
public sealed record ForgetClassChoice(string Dataset, string Architecture, int ForgetClass);
