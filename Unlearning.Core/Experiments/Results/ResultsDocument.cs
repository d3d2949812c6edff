using System.Text.Json;
using Unlearning.Core.Evaluation;

namespace Unlearning.Core.Experiments;

/// <summary>
/// Reads and writes an experiment's results document (<c>artifacts/{id}/results.json</c>) and its subset features
/// (<c>artifacts/{id}/features.bin</c>). The evaluator returns these in memory; this is the only code that knows
/// their files. Views read them through <see cref="ExperimentResultsReader"/>, which caches them.
/// </summary>
public static class ResultsDocument
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static ExperimentResults? Load(ArtifactStore artifacts, Experiment e)
    {
        if (e.ResultsPath is null) return null;
        var path = artifacts.Resolve(e.ResultsPath);
        return File.Exists(path) ? JsonSerializer.Deserialize<ExperimentResults>(File.ReadAllText(path), Json) : null;
    }

    public static string Save(ArtifactStore artifacts, string experimentId, ExperimentResults results)
    {
        var path = artifacts.ResultsPath(experimentId);
        ArtifactStore.WriteAtomic(path, s => JsonSerializer.Serialize(s, results, Json));
        return path;
    }

    public static string FeaturesPath(ArtifactStore artifacts, string experimentId) => artifacts.FeaturesPath(experimentId);

    public static void SaveFeatures(ArtifactStore artifacts, string experimentId, float[] features) =>
        ArtifactStore.WriteAtomic(FeaturesPath(artifacts, experimentId), s => s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(features.AsSpan())));

    /// <summary>The subset's penultimate features as rows (n × dim), or null when not stored.</summary>
    public static float[][]? LoadFeatures(ArtifactStore artifacts, string experimentId, int dim)
    {
        var path = FeaturesPath(artifacts, experimentId);
        if (!File.Exists(path) || dim <= 0) return null;
        var bytes = File.ReadAllBytes(path);
        var all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        return [.. Enumerable.Range(0, all.Length / dim).Select(i => all[(i * dim)..((i + 1) * dim)])];
    }
}
