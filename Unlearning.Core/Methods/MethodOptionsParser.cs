using System.Text.Json;

namespace Unlearning.Core.Methods;

/// <summary>
/// The one way from user input to a method's options: form text, API JSON and command-line flags
/// (<c>--hp.NAME VALUE</c>) become name → value lists, which <see cref="Expand"/> checks against the method's schema
/// (messages from <see cref="HyperparameterValidation"/>) and expands into one complete, valid set of values per job.
/// </summary>
public static class MethodOptionsParser
{
    /// <summary>Default cap on the jobs one request may expand to (a 5×5×5 grid would queue 125).</summary>
    public const int DefaultMaxJobsPerRequest = 25;

    /// <summary>
    /// Text values (form fields, command-line flags) to value lists: "0.01" is one value, "0.01,0.02" a grid list.
    /// Names are checked against the method; each value is parsed and checked with the form's messages.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name or a value that is not valid, naming both.</exception>
    public static Dictionary<string, double[]> FromText(IUnlearningMethod method, IReadOnlyDictionary<string, string> text)
    {
        var result = new Dictionary<string, double[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, raw) in text)
        {
            var spec = HyperparameterValidation.Find(method.Hyperparameters, name, method.DisplayName);
            var parts = (raw ?? "").Split(',', StringSplitOptions.TrimEntries);
            var values = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (HyperparameterValidation.Problem(spec, parts[i], out values[i]) is { } problem)
                    throw new ArgumentException($"{method.DisplayName}: {spec.Name} ({spec.DisplayName}): {problem} Got '{parts[i]}'.", spec.Name);
            result[spec.Name] = values;
        }
        return result;
    }


    /// <summary>API JSON values to value lists: each a number or a list of numbers (checked later by <see cref="Expand"/>).</summary>
    /// <exception cref="ArgumentException">A value is neither a number nor a list of numbers.</exception>
    public static Dictionary<string, double[]> FromJson(IReadOnlyDictionary<string, JsonElement> json)
    {
        var result = new Dictionary<string, double[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in json)
            result[name] = value.ValueKind switch
            {
                JsonValueKind.Number => [value.GetDouble()],
                JsonValueKind.Array => [.. value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble()
                    : throw new ArgumentException($"Hyperparameter '{name}' must hold numbers only.", name))],
                _ => throw new ArgumentException($"Hyperparameter '{name}' must be a number or a list of numbers.", name),
            };
        return result;
    }

    /// <summary>
    /// One run's values from text (the command line's <c>--hp.NAME VALUE</c> flags, collected by the host as name → text): each
    /// name takes one value; missing ones get the architecture's defaults. The result is what a job stores.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, an invalid value, or a list.</exception>
    public static Dictionary<string, double> Parse(IUnlearningMethod method, string architecture, IReadOnlyDictionary<string, string> text)
    {
        var values = FromText(method, text);
        foreach (var (name, list) in values)
            if (list.Length != 1)
                throw new ArgumentException($"{method.DisplayName}: {name} takes one value here; got {list.Length}.", name);
        return Expand(method, architecture, values, maxJobs: 1)[0];
    }


    /// <summary>Number of jobs a grid yields (the builder's "N models"): the product of the list lengths.</summary>
    public static int Count(IReadOnlyDictionary<string, double[]> grid) => grid.Values.Aggregate(1, (n, v) => n * Math.Max(1, v.Length));

    /// <summary>
    /// Checks a request's value lists and expands them into one complete set of values per job: unknown names,
    /// empty lists, lists for hyperparameters that are not grid-able, more than
    /// <see cref="HyperparameterSpec.MaxGridValues"/> values, invalid values and more than
    /// <paramref name="maxJobs"/> combinations are refused. Missing values take the architecture's defaults.
    /// Combinations come in the order the names are given, the last name varying fastest.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem found, naming the hyperparameter (or the job count and the cap).</exception>
    public static List<Dictionary<string, double>> Expand(IUnlearningMethod method, string architecture,
        IReadOnlyDictionary<string, double[]> grid, int maxJobs = DefaultMaxJobsPerRequest)
    {
        var schema = method.Hyperparameters;
        var checkedGrid = new List<(string Name, double[] Values)>();
        foreach (var (name, values) in grid)
        {
            var spec = HyperparameterValidation.Find(schema, name, method.DisplayName);
            string what = $"{method.DisplayName}: {spec.Name} ({spec.DisplayName})";
            if (values.Length == 0) throw new ArgumentException($"{what} has no value.", spec.Name);
            if (values.Length > 1 && !spec.Grid)
                throw new ArgumentException($"{what} takes a single value (only {string.Join(", ", schema.Where(h => h.Grid).Select(h => h.Name))} accept lists).", spec.Name);
            if (values.Length > HyperparameterSpec.MaxGridValues)
                throw new ArgumentException($"{what} has {values.Length} values; a grid allows at most {HyperparameterSpec.MaxGridValues} per hyperparameter.", spec.Name);
            foreach (var v in values) HyperparameterValidation.Check(spec, v, method.DisplayName);
            checkedGrid.Add((spec.Name, values));
        }
        int count = checkedGrid.Aggregate(1, (n, g) => n * g.Values.Length);
        if (count > maxJobs)
            throw new ArgumentException($"This request expands to {count} jobs (the product of the list lengths); at most {maxJobs} are allowed per request.", nameof(grid));

        var defaults = method.DefaultsFor(architecture);
        var combos = new List<Dictionary<string, double>> { new(defaults, StringComparer.OrdinalIgnoreCase) };
        foreach (var (name, values) in checkedGrid)
            combos = [.. combos.SelectMany(partial => values.Select(v => new Dictionary<string, double>(partial, StringComparer.OrdinalIgnoreCase) { [name] = v }))];
        return [.. combos.Select(c => HyperparameterValidation.Validate(method, c))];
    }
}
