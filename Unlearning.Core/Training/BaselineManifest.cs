using System.Text.Json;
using System.Text.Json.Serialization;

namespace Unlearning.Core.Training;

/// <summary>One shipped baseline model: the Original (ForgetClass null) or the Retrained model without a class.</summary>
public sealed record BaselineEntry
{
    public required string Kind { get; init; }
    public int? ForgetClass { get; init; }
    public required string File { get; init; }
    public long Seed { get; init; }
    public double TrainSeconds { get; init; }
    public double TrainImagesPerSecond { get; init; }
    public int TrainSamples { get; init; }
    public double TestAccuracy { get; init; }
    public double[] TestAccuracyPerClass { get; init; } = [];
    /// <summary>Retrained only: test accuracy on the forget class (0 expected) and macro mean over the other classes.</summary>
    public double? ForgetClassTestAccuracy { get; init; }
    public double? OtherClassesTestAccuracy { get; init; }
    public DateTime CreatedUtc { get; init; }
}

/// <summary>The manifest beside the shipped checkpoints of one (dataset, architecture).</summary>
public sealed record BaselineManifest
{
    public const string FileName = "manifest.json";
    public required string Dataset { get; init; }
    public required string Architecture { get; init; }
    public required TrainOptions Recipe { get; init; }
    public string Device { get; init; } = "cpu";
    public int Threads { get; init; }
    public string Command { get; init; } = "";
    public List<BaselineEntry> Models { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public BaselineEntry? Original => Models.FirstOrDefault(m => m.Kind == "Original");
    public BaselineEntry? Retrained(int forgetClass) => Models.FirstOrDefault(m => m.Kind == "Retrained" && m.ForgetClass == forgetClass);

    /// <summary>Replaces the entry of the same file (or adds it), keeps the Original first and the classes in order, and saves.</summary>
    public void Upsert(BaselineEntry entry, string folder)
    {
        Models.RemoveAll(m => m.File == entry.File);
        Models.Add(entry);
        Models.Sort((a, b) => (a.ForgetClass ?? -1).CompareTo(b.ForgetClass ?? -1));
        Save(folder);
    }

    public static BaselineManifest? TryLoad(string folder)
    {
        var path = Path.Combine(folder, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<BaselineManifest>(File.ReadAllText(path), Json) : null;
    }

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json) + "\n");
        File.Move(tmp, path, overwrite: true);
    }
}
