using System.Globalization;

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
/// <see cref="HyperparameterValidation"/> checks values against it. Built-in methods and plug-ins derive their
/// schema from the attributes on their options record (<see cref="OptionsSchema"/>).
/// </summary>
/// <param name="Name">Key used in requests and stored results, e.g. <c>learning_rate</c>.</param>
/// <param name="Default">The original system's UI default, or the method's own.</param>
/// <param name="Min">Smallest allowed value (inclusive).</param>
/// <param name="Max">Largest allowed value (inclusive).</param>
/// <param name="Grid">True for epochs, learning rate and batch size: a build may give a list of up to
/// <see cref="HyperparameterSpec.MaxGridValues"/> values and one job is queued per combination.</param>
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
    /// <summary>Most values a grid hyperparameter may list in one build.</summary>
    public const int MaxGridValues = 5;

    public const string EpochsName = "epochs";
    public const string LearningRateName = "learning_rate";
    public const string BatchSizeName = "batch_size";
    public const string RetainFractionName = "retain_fraction";

    /// <summary>A value as the form and the messages show it: invariant culture, 6 significant digits ("0.01", "1e-06").</summary>
    public static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
}

/// <summary>
/// The one place that checks hyperparameter values: the build form (per field), the job queue, the API and the
/// command line all get their messages from here.
/// </summary>
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
        var result = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in given ?? new Dictionary<string, double>())
        {
            var spec = Find(schema, name, owner);
            result[spec.Name] = Check(spec, value, owner);
        }
        foreach (var spec in schema)
            result.TryAdd(spec.Name, spec.Default);
        return result;
    }

    /// <summary>The spec of <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The schema has no such name; the message lists the known ones.</exception>
    public static HyperparameterSpec Find(IReadOnlyList<HyperparameterSpec> schema, string name, string owner) =>
        schema.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"{owner} has no hyperparameter '{name}'. Known: {string.Join(", ", schema.Select(s => s.Name))}.", name);

    /// <summary>Checks one value against its spec and returns it.</summary>
    /// <exception cref="ArgumentException">"Fine-Tuning: epochs (Epochs): Must be between 1 and 200. Got 500."</exception>
    public static double Check(HyperparameterSpec spec, double value, string owner) =>
        Problem(spec, value) is { } problem
            ? throw new ArgumentException($"{owner}: {spec.Name} ({spec.DisplayName}): {problem} Got {HyperparameterSpec.Format(value)}.", spec.Name)
            : value;

    /// <summary>What is wrong with a value, as the build form shows it under the field, or null when it is valid.</summary>
    public static string? Problem(HyperparameterSpec spec, double value)
    {
        if (!double.IsFinite(value)) return "Not a number.";
        if (spec.Type == HyperparameterType.Bool) return value is 0 or 1 ? null : "Must be 0 (off) or 1 (on).";
        if (spec.Type == HyperparameterType.Int && value != Math.Floor(value)) return "Must be a whole number.";
        if (value < spec.Min || value > spec.Max) return $"Must be between {HyperparameterSpec.Format(spec.Min)} and {HyperparameterSpec.Format(spec.Max)}.";
        return null;
    }

    /// <summary>
    /// Parses typed text (invariant culture: "0.01", "1e-3"; for switches also "true"/"false") and checks it;
    /// returns the problem to show, or null with the value.
    /// </summary>
    public static string? Problem(HyperparameterSpec spec, string? text, out double value)
    {
        value = double.NaN;
        if (string.IsNullOrWhiteSpace(text)) return "Enter a value.";
        var t = text.Trim();
        if (spec.Type == HyperparameterType.Bool && bool.TryParse(t, out var on)) value = on ? 1 : 0;
        else if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return "Not a number.";
        return Problem(spec, value);
    }
}
