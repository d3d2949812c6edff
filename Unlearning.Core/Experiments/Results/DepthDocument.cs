using System.Text.Json;
using System.Text.Json.Serialization;
using Unlearning.Core.Evaluation.Depth;

namespace Unlearning.Core.Experiments;

/// <summary>
/// Reads and writes an experiment's depth-of-forgetting results (<c>artifacts/{id}/depth.json</c>, docs/results-format.md,
/// "Depth of forgetting"): the only code that knows that file. Keys are snake_case, as in the exported JSON.
/// </summary>
public static class DepthDocument
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The stored results, or null when none are stored. A file that does not parse or validate throws <see cref="InvalidDataException"/>.</summary>
    public static DepthResults? Load(ArtifactStore artifacts, string experimentId)
    {
        var path = artifacts.DepthPath(experimentId);
        return File.Exists(path) ? Parse(File.ReadAllText(path)) : null;
    }

    /// <summary>Like <see cref="Load"/>, but a bad file reads as null (views and the reference check must never fail on one).</summary>
    public static DepthResults? TryLoad(ArtifactStore artifacts, string experimentId)
    {
        try { return Load(artifacts, experimentId); }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException) { return null; }
    }

    /// <summary>Parses and validates the JSON of one model's depth results (the stored file or an imported <c>depth</c> value).</summary>
    public static DepthResults Parse(string json)
    {
        DepthResults? results;
        try { results = JsonSerializer.Deserialize<DepthResults>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"Invalid depth results: {e.Message}", e); }
        return (results ?? throw new InvalidDataException("Invalid depth results: the value is null.")).Validate();
    }

    public static string Save(ArtifactStore artifacts, string experimentId, DepthResults results)
    {
        results.Validate();
        var path = artifacts.DepthPath(experimentId);
        ArtifactStore.WriteAtomic(path, s => JsonSerializer.Serialize(s, results, Json));
        return path;
    }
}
