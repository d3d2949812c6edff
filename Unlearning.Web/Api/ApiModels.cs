using System.Text.Json;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Api;

/// <summary>One experiments-table row as the API returns it (null = N/A).</summary>
public sealed record ExperimentDto(
    string Id, string DisplayId, string Dataset, string Architecture, int ForgetClass, string Type, string? BaseId, string? Method,
    int? Epochs, int? BatchSize, double? LearningRate, long? Seed, IReadOnlyDictionary<string, double> Hyperparameters,
    double? UA, double? RA, double? TUA, double? TRA, double? RT, double? PS, string Status, DateTime CreatedUtc,
    bool HasCheckpoint, IReadOnlyDictionary<string, double> StageSeconds)
{
    public static ExperimentDto From(Experiment e) => new(
        e.Id, ExperimentIds.Display(e.Id), e.Dataset, e.Architecture, e.ForgetClass, e.Type.ToString(), e.BaseId, e.Method,
        e.Epochs, e.BatchSize, e.LearningRate, e.Seed,
        JsonSerializer.Deserialize<Dictionary<string, double>>(e.HyperparametersJson) ?? [],
        e.UA, e.RA, e.TUA, e.TRA, e.RT, e.PS, e.Status.ToString(), e.CreatedUtc, e.CheckpointPath is not null,
        JsonSerializer.Deserialize<Dictionary<string, double>>(e.StageTimesJson) ?? []);
}

/// <summary>A job as the API returns it.</summary>
public sealed record JobDto(
    long Id, string Kind, string Status, string Stage, double Progress, int? Epoch, int? TotalEpochs, double? EtaSeconds,
    double? ForgetAccuracy, double? RetainAccuracy, string Dataset, string Architecture, int ForgetClass, string? Method,
    string? BaseExperimentId, IReadOnlyDictionary<string, double> Hyperparameters, long Seed, string? ResultExperimentId, string? Error,
    DateTime CreatedUtc, DateTime? StartedUtc, DateTime? FinishedUtc)
{
    public static JobDto From(Job j) => new(
        j.Id, j.Kind.ToString(), j.Status.ToString(), j.Stage, j.Progress, j.Epoch, j.TotalEpochs, j.EtaSeconds, j.ForgetAccuracy, j.RetainAccuracy,
        j.Dataset, j.Architecture, j.ForgetClass, j.Method, j.BaseExperimentId,
        JsonSerializer.Deserialize<Dictionary<string, double>>(j.HyperparametersJson) ?? [], j.Seed, j.ResultExperimentId, j.Error,
        j.CreatedUtc, j.StartedUtc, j.FinishedUtc);
}

/// <summary>
/// Body of <c>POST /api/jobs</c>. <c>kind</c>: unlearn (default) | evaluate | trainOriginal | retrain | upload.
/// <c>hyperparameters</c> maps a name to a number or to a list of up to 5 numbers (a grid).
/// </summary>
public sealed record JobRequestDto(
    string? Kind, string? Dataset, string? Architecture, int? ForgetClass, string? Method, string? BaseExperimentId,
    Dictionary<string, JsonElement>? Hyperparameters, long? Seed, string? UploadId);

/// <summary>An error response: a clear message (and the status code repeated for scripts).</summary>
public sealed record ErrorDto(string Error, int Status);
