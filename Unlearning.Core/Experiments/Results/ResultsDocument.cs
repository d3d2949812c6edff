using System.Text.Json;
using Unlearning.Core.Evaluation;

namespace Unlearning.Core.Experiments;

/// <summary>
/// Reads and writes an experiment's results document (<c>artifacts/{id}/results.json</c>) and its subset features
/// (<c>artifacts/{id}/features.bin</c>). The evaluator returns these in memory; this is the only code that knows
/// their files. Views read them through <see cref="ExperimentResultsReader"/>, which caches them. An imported
/// experiment's document also holds, under <see cref="ImportedFileKey"/>, what its file said beyond the results
/// (<see cref="ImportedFile"/>); reading the results ignores that key.
/// </summary>
public static class ResultsDocument
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The document's key of the <see cref="ImportedFile"/> section (absent for computed results).</summary>
    public const string ImportedFileKey = "importedFile";

    public static ExperimentResults? Load(ArtifactStore artifacts, Experiment e)
    {
        if (e.ResultsPath is null) return null;
        var path = artifacts.Resolve(e.ResultsPath);
        return File.Exists(path) ? JsonSerializer.Deserialize<ExperimentResults>(File.ReadAllText(path), Json) : null;
    }

    public static string Save(ArtifactStore artifacts, string experimentId, ExperimentResults results, ImportedFile? importedFile = null)
    {
        var path = artifacts.ResultsPath(experimentId);
        if (importedFile is null) ArtifactStore.WriteAtomic(path, s => JsonSerializer.Serialize(s, results, Json));
        else
        {
            var node = JsonSerializer.SerializeToNode(results, Json)!.AsObject();
            node[ImportedFileKey] = JsonSerializer.SerializeToNode(importedFile, Json);
            ArtifactStore.WriteAtomic(path, s => { using var w = new Utf8JsonWriter(s); node.WriteTo(w); });
        }
        return path;
    }

    /// <summary>The <see cref="ImportedFile"/> section of an experiment's document; null for computed results.</summary>
    public static ImportedFile? LoadImportedFile(ArtifactStore artifacts, Experiment e)
    {
        if (e.ResultsPath is null) return null;
        var path = artifacts.Resolve(e.ResultsPath);
        if (!File.Exists(path)) return null;
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream);
        return doc.RootElement.TryGetProperty(ImportedFileKey, out var section) && section.ValueKind == JsonValueKind.Object
            ? section.Deserialize<ImportedFile>(Json)
            : null;
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
