namespace Unlearning.Core.Methods;

/// <summary>
/// Defaults of the built-in methods for the compact CPU model (architecture <c>compact</c>) on Fashion-MNIST:
/// sized so that a run takes well under 2 minutes on two cores while the forget class is forgotten
/// (forget-class train accuracy near 0, like a Retrained model) and test accuracy on the other classes stays within
/// a few points of the Original. The ResNet-18 keeps the original system's UI defaults.
/// </summary>
internal static class CompactDefaultsTable
{
    public static readonly IReadOnlyDictionary<string, double> FineTuning = new Dictionary<string, double>
    {
        ["epochs"] = 2, ["learning_rate"] = 0.05, ["batch_size"] = 128, ["retain_fraction"] = 0.5,
    };

    public static readonly IReadOnlyDictionary<string, double> GradientAscent = new Dictionary<string, double>
    {
        ["epochs"] = 2, ["learning_rate"] = 0.001, ["batch_size"] = 256,
    };

    public static readonly IReadOnlyDictionary<string, double> RandomLabeling = new Dictionary<string, double>
    {
        ["epochs"] = 2, ["learning_rate"] = 0.01, ["batch_size"] = 128, ["retain_fraction"] = 0.2,
    };

    public static readonly IReadOnlyDictionary<string, double> Scrub = new Dictionary<string, double>
    {
        ["epochs"] = 2, ["learning_rate"] = 0.01, ["batch_size"] = 128, ["retain_fraction"] = 0.3,
    };

    public static readonly IReadOnlyDictionary<string, double> SalUn = new Dictionary<string, double>
    {
        ["epochs"] = 2, ["learning_rate"] = 0.01, ["batch_size"] = 128, ["retain_fraction"] = 0.3,
    };
}
