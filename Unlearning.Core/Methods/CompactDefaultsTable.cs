namespace Unlearning.Core.Methods;

/// <summary>
/// Defaults of the built-in methods for the compact CPU model (architecture <c>compact</c>) on Fashion-MNIST:
/// sized so that a run takes well under 2 minutes on two cores while the forget class is forgotten
/// (forget-class train accuracy near 0, like a Retrained model) and test accuracy on the other classes stays within
/// a few points of the Original. The ResNet-18 keeps the original system's UI defaults.
/// <para>
/// PROVISIONAL: sized from image counts, not yet measured on Fashion-MNIST (the calibration run did not finish on
/// the shared machine). At ~2,000 training images/s: FT 2 × 27k retain images ≈ 30 s; GA 2 × 6k forget images
/// ≈ 6 s; RL 2 × (10.8k retain + 6k forget) ≈ 17 s; SCRUB 2 × (6k max-step + 16.2k min-step, teacher forward
/// extra) ≈ 25 s; SalUn 2 × (6k + 16.2k, extra readout forward) ≈ 30 s; plus a forget-set evaluation per epoch.
/// Learning rates are raised over the ResNet-18 defaults because there are far fewer steps (and, for FT,
/// forgetting comes only from feature drift: on the synthetic test data FT needed lr 0.1 to forget).
/// </para>
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
