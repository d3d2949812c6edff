using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;
using Unlearning.Core.Training;

namespace Unlearning.Web.Api;

/// <summary>One experiments-table row as the API returns it (null = N/A).</summary>
public sealed record ExperimentDto(
    string Id, string DisplayId, string Dataset, string Architecture, int ForgetClass, string ForgetSet, string Type, string? BaseId, string? Method,
    int? Epochs, int? BatchSize, double? LearningRate, long? Seed, IReadOnlyDictionary<string, double> Hyperparameters,
    double? UA, double? RA, double? TUA, double? TRA, double? RT, double? PS, double? Mia, double? RetainMia, double? Gap, string Status, DateTime CreatedUtc,
    bool HasCheckpoint, IReadOnlyDictionary<string, double> StageSeconds,
    bool Stale = false, string? StaleReason = null, string? Owner = null)
{
    /// <param name="gap">The gap to the Retrained models of the experiment's forget set (docs/forget-sets.md, "Gap to Retrained"), when known.</param>
    /// <param name="stale">Whether its results were measured against replaced references, and why (docs/results-format.md, "Stale results").</param>
    public static ExperimentDto From(Experiment e, double? gap = null, StaleStatus? stale = null) => new(
        e.Id, ExperimentIds.Display(e.Id), e.Dataset, e.Architecture, e.ForgetClass, e.ForgetSetId, e.Type.ToString(), e.BaseId, e.Method,
        e.Epochs, e.BatchSize, e.LearningRate, e.Seed,
        JsonSerializer.Deserialize<Dictionary<string, double>>(e.HyperparametersJson) ?? [],
        e.UA, e.RA, e.TUA, e.TRA, e.RT, e.PS, e.MIA, e.RetainMia, gap, e.Status.ToString(), e.CreatedUtc, e.CheckpointPath is not null,
        JsonSerializer.Deserialize<Dictionary<string, double>>(e.StageTimesJson) ?? [],
        stale?.IsStale ?? false, stale?.Reason, e.Owner);
}

/// <summary>A job as the API returns it.</summary>
public sealed record JobDto(
    long Id, string Kind, string Status, string Step, double StepProgress, string Stage, double Progress, int? Epoch, int? TotalEpochs, double? EtaSeconds,
    double? ForgetAccuracy, double? RetainAccuracy, string Dataset, string Architecture, int ForgetClass, string ForgetSet, string? Method,
    string? BaseExperimentId, IReadOnlyDictionary<string, double> Hyperparameters, long Seed, string? ResultExperimentId, string? Error,
    DateTime CreatedUtc, DateTime? StartedUtc, DateTime? FinishedUtc, bool TrackEpochMetrics, string? Owner = null)
{
    public static JobDto From(Job j) => new(
        j.Id, j.Kind.ToString(), j.Status.ToString(), j.Step.ToString(), j.StepProgress, j.Stage, j.Progress, j.Epoch, j.TotalEpochs, j.EtaSeconds, j.ForgetAccuracy, j.RetainAccuracy,
        j.Dataset, j.Architecture, j.ForgetClass, j.ForgetSetId, j.Method, j.BaseExperimentId,
        JobOptions.Hyperparameters(j.HyperparametersJson), j.Seed, j.ResultExperimentId,
        j.Error is null ? null : ApiProblems.WithoutPaths(j.Error),
        j.CreatedUtc, j.StartedUtc, j.FinishedUtc, j.TracksEpochMetrics(), j.Owner);
}

/// <summary>
/// Body of <c>POST /api/jobs</c>. <c>kind</c>: unlearn (default) | evaluate | trainOriginal | retrain | upload.
/// <c>forgetSet</c> names the forget set (docs/forget-sets.md); <c>forgetClass</c> is the shorthand for <c>class-{c}</c>.
/// <c>hyperparameters</c> maps a name to a number or to a list of up to 5 numbers (a grid); <c>seed</c> is a number or a
/// list of up to 10 (one job per seed; the runs form a group). <c>trackEpochMetrics</c> (unlearn jobs, default false) records
/// UA/RA/TUA/TRA/PS/C-MIA/E-MIA at epoch 0 and after every epoch (docs/metrics.md, "Per-epoch metrics"), outside RT.
/// </summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record JobRequestDto(
    string? Kind, string? Dataset, string? Architecture, int? ForgetClass, string? Method, string? BaseExperimentId,
    Dictionary<string, JsonElement>? Hyperparameters, JsonElement? Seed, string? UploadId, string? ForgetSet = null, bool? TrackEpochMetrics = null);

/// <summary>Answer of <c>POST /api/jobs</c> and <c>POST /api/uploads</c>: the queued jobs.</summary>
public sealed record JobsCreatedDto(IReadOnlyList<long> JobIds, IReadOnlyList<JobDto> Jobs)
{
    public static JobsCreatedDto From(IReadOnlyList<Job> jobs) => new([.. jobs.Select(j => j.Id)], [.. jobs.Select(JobDto.From)]);
}

/// <summary>Answer of <c>POST /api/jobs/{id}/cancel</c>.</summary>
public sealed record CancelledDto(bool Cancelled);

/// <summary>A dataset with its classes and, per architecture, the baselines available on this server.</summary>
public sealed record DatasetDto(
    string Id, string Name, bool Available, int Channels, int Height, int Width, IReadOnlyList<string> Classes, IReadOnlyList<ArchitectureDto> Architectures);

/// <summary>An architecture of a dataset and its shipped baseline models.</summary>
public sealed record ArchitectureDto(string Id, string Name, string Description, IReadOnlyList<BaselineDto> Baselines);

/// <summary>One shipped baseline model (Original: forgetClass null).</summary>
public sealed record BaselineDto(string Kind, int? ForgetClass, double TestAccuracy)
{
    public static BaselineDto From(BaselineEntry e) => new(e.Kind, e.ForgetClass, e.TestAccuracy);
}

/// <summary><c>GET /api/methods</c>: the methods (built-in and plug-in) and what the plug-in folder held.</summary>
public sealed record MethodsDto(IReadOnlyList<MethodDto> Methods, PluginsDto Plugins);

/// <summary>An unlearning method with its hyperparameter schema and per-architecture defaults.</summary>
/// <param name="ClassWiseOnly">The method forgets whole classes only and refuses any other forget set.</param>
public sealed record MethodDto(
    string Name, string DisplayName, string Description, IReadOnlyList<HyperparameterDto> Hyperparameters,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> DefaultsByArchitecture, bool ClassWiseOnly)
{
    public static MethodDto From(IUnlearningMethod m) => new(
        m.Name, m.DisplayName, m.Description, [.. m.Hyperparameters.Select(HyperparameterDto.From)],
        ModelCatalog.All.ToDictionary(a => a.Id, a => m.DefaultsFor(a.Id)), m.ClassWiseOnly);
}

/// <summary>One hyperparameter of a method (<c>grid</c>: may take a list of values, one job each).</summary>
public sealed record HyperparameterDto(string Name, string DisplayName, string Type, double Default, double Min, double Max, string Help, bool Grid)
{
    public static HyperparameterDto From(HyperparameterSpec h) => new(h.Name, h.DisplayName, h.Type.ToString(), h.Default, h.Min, h.Max, h.Help, h.Grid);
}

/// <summary>
/// The plug-in folder's report from start-up: methods loaded (by name and file) and files that failed, with why.
/// File names only, never the server's folders.
/// </summary>
public sealed record PluginsDto(IReadOnlyList<LoadedPluginDto> Loaded, IReadOnlyList<FailedPluginDto> Failed)
{
    public static PluginsDto From(PluginLoadReport report) => new(
        [.. report.Methods.Select(m => new LoadedPluginDto(m.Name, Path.GetFileName(m.GetType().Assembly.Location)))],
        [.. report.Failures.Select(f => new FailedPluginDto(Path.GetFileName(f.Path), ApiProblems.WithoutPaths(f.Error)))]);
}

/// <summary>A plug-in method that was loaded, and the file it came from.</summary>
public sealed record LoadedPluginDto(string Method, string File);

/// <summary>A plug-in file (or type in it) that was not loaded, and why.</summary>
public sealed record FailedPluginDto(string File, string Message);
