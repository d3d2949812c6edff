using System.Text.Json;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>
/// Job options that are not hyperparameters, kept in the job row's hyperparameter JSON under reserved keys (so that no
/// database column is needed): at present only "Track per-epoch metrics" (docs/metrics.md, "Per-epoch metrics"). A reserved key
/// starts with '$', which no hyperparameter name has, so it can neither collide with nor be sent as a hyperparameter
/// (<see cref="Methods.MethodOptionsParser"/> refuses names a method does not declare). Every reader of
/// <see cref="Job.HyperparametersJson"/> goes through <see cref="Hyperparameters"/>.
/// </summary>
public static class JobOptions
{
    /// <summary>The reserved key of the per-epoch metrics option (value 1 when on; absent when off).</summary>
    public const string TrackEpochMetricsKey = "$track_epoch_metrics";

    /// <summary>The hyperparameter JSON of a job: <paramref name="hyperparameters"/>, plus the reserved option keys that are on.</summary>
    public static string Serialize(IReadOnlyDictionary<string, double>? hyperparameters, bool trackEpochMetrics)
    {
        var all = new Dictionary<string, double>(hyperparameters ?? new Dictionary<string, double>());
        if (trackEpochMetrics) all[TrackEpochMetricsKey] = 1;
        return JsonSerializer.Serialize(all);
    }

    /// <summary>The job's hyperparameters without the reserved option keys; an unreadable JSON text gives none.</summary>
    public static Dictionary<string, double> Hyperparameters(string json)
    {
        var all = Read(json);
        foreach (var key in all.Keys.Where(k => k.StartsWith('$')).ToList()) all.Remove(key);
        return all;
    }

    /// <summary>Whether the job records per-epoch metrics.</summary>
    public static bool TracksEpochMetrics(string json) => Read(json).TryGetValue(TrackEpochMetricsKey, out var v) && v != 0;

    /// <inheritdoc cref="TracksEpochMetrics(string)"/>
    public static bool TracksEpochMetrics(this Job job) => TracksEpochMetrics(job.HyperparametersJson);

    private static Dictionary<string, double> Read(string json)
    {
        try { return JsonSerializer.Deserialize<Dictionary<string, double>>(json) ?? []; }
        catch (JsonException) { return []; }
    }
}
