namespace Unlearning.Core.Methods;

/// <summary>
/// Defaults of the built-in methods for the compact CPU model (architecture <c>compact</c>) on Fashion-MNIST:
/// sized so that a run takes well under 2 minutes on two cores while the forget class is forgotten
/// (forget-class train accuracy near 0, like a Retrained model) and test accuracy on the other classes stays within
/// a few points of the Original. The ResNet-18 keeps the original system's UI defaults.
/// <para>
/// Calibrated on forget class 6 (Shirt) of the shipped Original (run `benchmark-methods`; table in the issue
/// notes). Fine-Tuning, Random Labeling and SalUn forget completely (UA 0) with test retain accuracy at or above
/// the Original's. SCRUB at lr 0.01 left UA 0.31 and at 0.05 lost 5.7 points of TRA; 0.02 balances the two
/// (UA 0.09, −2.9 points). Gradient Ascent trades forgetting against damage steeply (2 epochs at 2e-4: UA 0.03
/// but −9 points; 1 epoch at 1e-4: UA 0.18, −3.8 points): 1 epoch at 1.5e-4 sits between.
/// </para>
/// <para>
/// Re-checked on the retrained baselines of the strided-stem model (same recipe), class 6: FT, RL and SalUn UA 0
/// with TRA 0.955–0.959 (Original 0.941); SCRUB UA 0.066, TRA 0.944; GA at 1.5e-4 UA 0.177, TRA 0.915, at 2e-4
/// UA 0.148, TRA 0.911, at 3e-4 UA 0.108, TRA 0.898 — the same trade-off, so the defaults stay.
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
        ["epochs"] = 1, ["learning_rate"] = 0.00015, ["batch_size"] = 256,
    };

    public static readonly IReadOnlyDictionary<string, double> RandomLabeling = new Dictionary<string, double>
    {
        ["epochs"] = 2, ["learning_rate"] = 0.01, ["batch_size"] = 128, ["retain_fraction"] = 0.2,
    };

    public static readonly IReadOnlyDictionary<string, double> Scrub = new Dictionary<string, double>
    {
        ["epochs"] = 2, ["learning_rate"] = 0.02, ["batch_size"] = 128, ["retain_fraction"] = 0.3,
    };

    public static readonly IReadOnlyDictionary<string, double> SalUn = new Dictionary<string, double>
    {
        ["epochs"] = 2, ["learning_rate"] = 0.01, ["batch_size"] = 128, ["retain_fraction"] = 0.3,
    };
}
