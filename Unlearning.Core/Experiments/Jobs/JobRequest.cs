using Unlearning.Core.Methods;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>
/// A build request (SPEC §3, §7 <c>POST /api/jobs</c>). Hyperparameters map a name to one value or to a list
/// of up to <see cref="MaxGridValues"/> values; a request with lists expands to one job per combination.
/// </summary>
public sealed record JobRequest
{
    public const int MaxGridValues = 5;

    public JobKind Kind { get; init; } = JobKind.Unlearn;
    public string Dataset { get; init; } = "fashion-mnist";
    public string Architecture { get; init; } = "compact";
    public int ForgetClass { get; init; }
    public string? Method { get; init; }
    public string? BaseExperimentId { get; init; }
    public Dictionary<string, double[]> Hyperparameters { get; init; } = [];
    public long? Seed { get; init; }
    /// <summary>Upload jobs: the stored upload file (relative to the app folder).</summary>
    public string? UploadPath { get; init; }
}

/// <summary>Expands grid requests into single hyperparameter combinations.</summary>
public static class GridExpansion
{
    /// <summary>
    /// Cartesian product of the value lists, in the order the names are given, the last name varying fastest.
    /// Lists may hold at most <see cref="JobRequest.MaxGridValues"/> values; an empty list is an error.
    /// </summary>
    public static List<Dictionary<string, double>> Expand(IReadOnlyDictionary<string, double[]> grid)
    {
        foreach (var (name, values) in grid)
        {
            if (values.Length == 0) throw new ArgumentException($"Hyperparameter '{name}' has no value.");
            if (values.Length > JobRequest.MaxGridValues)
                throw new ArgumentException($"Hyperparameter '{name}' has {values.Length} values; a grid allows at most {JobRequest.MaxGridValues} per hyperparameter.");
        }
        var result = new List<Dictionary<string, double>> { new(StringComparer.OrdinalIgnoreCase) };
        foreach (var (name, values) in grid)
            result = [.. result.SelectMany(partial => values.Select(v => new Dictionary<string, double>(partial, StringComparer.OrdinalIgnoreCase) { [name] = v }))];
        return result;
    }

    /// <summary>Number of jobs a grid yields (the builder's "N models").</summary>
    public static int Count(IReadOnlyDictionary<string, double[]> grid) => grid.Values.Aggregate(1, (n, v) => n * Math.Max(1, v.Length));

    /// <summary>
    /// Validates every combination against the method's schema (defaults filled for the architecture) and
    /// rejects a list for a hyperparameter that is not a grid parameter.
    /// </summary>
    public static List<Dictionary<string, double>> ExpandAndValidate(IUnlearningMethod method, string architecture, IReadOnlyDictionary<string, double[]> grid)
    {
        foreach (var (name, values) in grid)
        {
            var spec = method.Hyperparameters.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"{method.DisplayName} has no hyperparameter '{name}'. Known: {string.Join(", ", method.Hyperparameters.Select(h => h.Name))}.");
            if (values.Length > 1 && !spec.Grid)
                throw new ArgumentException($"Hyperparameter '{name}' takes a single value (only {string.Join(", ", method.Hyperparameters.Where(h => h.Grid).Select(h => h.Name))} accept lists).");
        }
        var defaults = method.DefaultsFor(architecture);
        return [.. Expand(grid).Select(combo =>
        {
            var merged = new Dictionary<string, double>(defaults, StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in combo) merged[k] = v;
            return HyperparameterValidation.Validate(method, merged);
        })];
    }
}
