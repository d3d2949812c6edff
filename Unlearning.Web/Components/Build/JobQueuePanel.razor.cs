using Microsoft.AspNetCore.Components;
using MudBlazor;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;

namespace Unlearning.Web.Components.Build;

/// <summary>
/// The Build panel (docs/views.md, "Job queue and progress"): the "Open Model Builder" button and every job of the server with live
/// progress — each browser subscribes to <see cref="JobQueue.JobChanged"/>, so all of them see all jobs.
/// </summary>
public partial class JobQueuePanel : IDisposable
{
    /// <summary>Finished jobs kept in the list below the live ones.</summary>
    public const int RecentFinished = 12;

    private readonly Dictionary<long, Job> _jobs = [];
    private List<Job> _visible = [];

    [Inject] private JobQueue Queue { get; set; } = null!;
    [Inject] private MethodCatalog Catalog { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;
    [Inject] private ForgetSetService ForgetSets { get; set; } = null!;

    /// <summary>Names of the sample forget sets the listed jobs work on, read once each.</summary>
    private readonly Dictionary<(string, string), string?> _setNames = [];

    private string? SetName(Job job)
    {
        var key = (job.Dataset, job.ForgetSetId);
        if (!_setNames.TryGetValue(key, out var name))
            _setNames[key] = name = Core.Data.DatasetCatalog.TryGet(job.Dataset) is { } info ? ForgetSets.Get(info, job.ForgetSetId)?.Name : null;
        return name;
    }

    [Parameter] public bool CanBuild { get; set; }
    /// <summary>A Viewer (docs/lab-identity.md): no builder button.</summary>
    [Parameter] public bool ReadOnly { get; set; }
    /// <summary>Whether the user may cancel a job (Researchers their own, Admins any); null = every job.</summary>
    [Parameter] public Func<Job, bool>? CanCancel { get; set; }
    /// <summary>Shown under the disabled button (e.g. "Open a forget class first.").</summary>
    [Parameter] public string? DisabledReason { get; set; }
    [Parameter] public EventCallback OnOpenBuilder { get; set; }

    protected override void OnInitialized()
    {
        foreach (var j in Queue.List(50)) _jobs[j.Id] = j;
        Refresh();
        Queue.JobChanged += OnJobChanged;
    }

    private void OnJobChanged(Job job) => _ = InvokeAsync(() =>
    {
        _jobs[job.Id] = job;
        Refresh();
        StateHasChanged();
    });

    private void Refresh()
    {
        var live = _jobs.Values.Where(j => j.Status is JobStatus.Running or JobStatus.Queued)
            .OrderBy(j => j.Status == JobStatus.Running ? 0 : 1).ThenBy(j => j.Id);
        var done = _jobs.Values.Where(j => j.Status is not (JobStatus.Running or JobStatus.Queued)).OrderByDescending(j => j.Id).Take(RecentFinished);
        _visible = [.. live.Concat(done)];
        foreach (var old in _jobs.Keys.Except(_visible.Select(j => j.Id)).ToList()) _jobs.Remove(old);
    }

    private string MethodName(string? name) => Catalog.TryGet(name)?.DisplayName ?? name ?? "-";

    private static string StatusText(Job j) => j.Status switch
    {
        JobStatus.Running => $"{j.Progress * 100:0}%",
        JobStatus.Queued => "queued",
        JobStatus.Succeeded => "done",
        JobStatus.Failed => "failed",
        _ => "cancelled",
    };

    private static string FormatDuration(Job j) =>
        j.StartedUtc is { } s && j.FinishedUtc is { } f ? $"{JobSteps.FormatEta((f - s).TotalSeconds)}" : "";

    private void Cancel(long id)
    {
        if (Queue.Get(id) is { } job && !(CanCancel?.Invoke(job) ?? true)) return;
        try
        {
            if (!Queue.Cancel(id)) Snackbar.Add($"Job #{id} had already ended.", Severity.Info);
        }
        catch (KeyNotFoundException e) { Snackbar.Add(e.Message, Severity.Warning); }
        catch (IOException e) { Snackbar.Add($"Job #{id} was cancelled, but its upload could not be deleted: {Api.ApiProblems.WithoutPaths(e.Message)}", Severity.Warning); }
    }

    public void Dispose()
    {
        Queue.JobChanged -= OnJobChanged;
        GC.SuppressFinalize(this);
    }
}
