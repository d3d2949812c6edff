namespace Unlearning.Core.Methods;

/// <summary>How a hyperparameter's value is read and shown.</summary>
public enum HyperparameterType
{
    /// <summary>A whole number (epochs, batch size); stored as a double with no fractional part.</summary>
    Int,
    /// <summary>A real number (learning rate, loss weights).</summary>
    Double,
    /// <summary>A switch; 0 = off, 1 = on.</summary>
    Bool,
}

/// <summary>
/// One hyperparameter of an unlearning method: the build dialog shows it (display name, help, range) and
/// <see cref="HyperparameterValidation"/> checks values against it.
/// </summary>
/// <param name="Name">Key used in requests and stored results, e.g. <c>learning_rate</c>.</param>
/// <param name="Default">The original system's UI default (REFERENCE §3), or the method's own.</param>
/// <param name="Min">Smallest allowed value (inclusive).</param>
/// <param name="Max">Largest allowed value (inclusive).</param>
/// <param name="Grid">True for epochs, learning rate and batch size: a build may give a list of up to
/// <see cref="HyperparameterSpec.MaxGridValues"/> values and one job is queued per combination (REFERENCE §8.5).</param>
public sealed record HyperparameterSpec(
    string Name,
    string DisplayName,
    HyperparameterType Type,
    double Default,
    double Min,
    double Max,
    string Help,
    bool Grid = false)
{
    /// <summary>Most values a grid hyperparameter may list in one build (REFERENCE §8.5).</summary>
    public const int MaxGridValues = 5;

    public const string EpochsName = "epochs";
    public const string LearningRateName = "learning_rate";
    public const string BatchSizeName = "batch_size";
    public const string RetainFractionName = "retain_fraction";

    public static HyperparameterSpec Epochs(int defaultValue) => new(
        EpochsName, "Epochs", HyperparameterType.Int, defaultValue, 1, 200,
        "Passes over the method's data.", Grid: true);

    public static HyperparameterSpec LearningRate(double defaultValue) => new(
        LearningRateName, "Learning rate", HyperparameterType.Double, defaultValue, 1e-6, 1,
        "Initial SGD learning rate (momentum 0.9, weight decay 5e-4).", Grid: true);

    public static HyperparameterSpec BatchSize(int defaultValue) => new(
        BatchSizeName, "Batch size", HyperparameterType.Int, defaultValue, 1, 4096,
        "Images per SGD step.", Grid: true);

    /// <summary>
    /// Our addition for CPU runs: the fraction of the retain set visited per epoch, drawn afresh each epoch
    /// from the seeded generator. 1 = the whole retain set, as the original.
    /// </summary>
    public static HyperparameterSpec RetainFraction() => new(
        RetainFractionName, "Retain fraction", HyperparameterType.Double, 1, 0.01, 1,
        "Fraction of the retain set used per epoch (a fresh seeded random subset each epoch); 1 = all, as the original system.");
}

/// <summary>Checks hyperparameter values against a method's schema and fills in defaults.</summary>
public static class HyperparameterValidation
{
    /// <summary>
    /// Returns a complete set of values: every given value checked (known name, finite, within
    /// [Min, Max], whole number for Int, 0/1 for Bool) and every missing one set to its default.
    /// Names are matched case-insensitively; the result uses the schema's spelling.
    /// </summary>
    /// <exception cref="ArgumentException">A value is unknown, not finite, out of range or of the wrong kind; the message names it and its allowed range.</exception>
    public static Dictionary<string, double> Validate(IUnlearningMethod method, IReadOnlyDictionary<string, double>? given) =>
        Validate(method.Hyperparameters, given, method.DisplayName);

    public static Dictionary<string, double> Validate(IReadOnlyList<HyperparameterSpec> schema, IReadOnlyDictionary<string, double>? given, string owner)
    {
        var byName = schema.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var result = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in given ?? new Dictionary<string, double>())
        {
            if (!byName.TryGetValue(name, out var spec))
                throw new ArgumentException(
                    $"{owner} has no hyperparameter '{name}'. Known: {string.Join(", ", schema.Select(s => s.Name))}.", nameof(given));
            result[spec.Name] = Check(spec, value, owner);
        }
        foreach (var spec in schema)
            result.TryAdd(spec.Name, spec.Default);
        return result;
    }

    /// <summary>Checks one value against its spec and returns it.</summary>
    public static double Check(HyperparameterSpec spec, double value, string owner)
    {
        string range = spec.Type switch
        {
            HyperparameterType.Bool => "0 (off) or 1 (on)",
            HyperparameterType.Int => $"a whole number in [{spec.Min:G}, {spec.Max:G}]",
            _ => $"a number in [{spec.Min:G}, {spec.Max:G}]",
        };
        if (!double.IsFinite(value))
            throw new ArgumentException($"{owner}: {spec.Name} ({spec.DisplayName}) must be {range}; got {value}.", spec.Name);
        bool ok = spec.Type switch
        {
            HyperparameterType.Bool => value is 0 or 1,
            HyperparameterType.Int => value == Math.Floor(value) && value >= spec.Min && value <= spec.Max,
            _ => value >= spec.Min && value <= spec.Max,
        };
        if (!ok)
            throw new ArgumentException($"{owner}: {spec.Name} ({spec.DisplayName}) must be {range}; got {value:G}.", spec.Name);
        return value;
    }
}
