using Microsoft.AspNetCore.Components;
using Unlearning.Core.Evaluation.Depth;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Web.Components.Contrast;

/// <summary>
/// Depth of forgetting (docs/metrics.md, "Depth of forgetting"): relearning curves and linear-probe profiles of Model A,
/// Model B and the forget set's references, with a button that queues a Depth job for the compared models lacking results
/// (the job also computes the Original and Retrained model when missing). Progress comes from the job queue.
/// </summary>
public partial class DepthView : ComponentBase, IDisposable
{
    [Inject] private ExperimentStore Store { get; set; } = default!;
    [Inject] private JobQueue Queue { get; set; } = default!;

    [Parameter, EditorRequired] public string Dataset { get; set; } = "";
    [Parameter, EditorRequired] public string Architecture { get; set; } = "";
    /// <summary>The forget set (docs/forget-sets.md), e.g. <c>class-6</c>; its Original and Retrained model are the references.</summary>
    [Parameter, EditorRequired] public string ForgetSetId { get; set; } = "";
    /// <summary>Full experiment id of Model A (emerald); null when none is selected.</summary>
    [Parameter] public string? ModelAId { get; set; }
    /// <summary>Full experiment id of Model B (purple); null when none is selected.</summary>
    [Parameter] public string? ModelBId { get; set; }

    private DepthViewModel? _model;
    private readonly List<long> _jobs = [];
    private Job? _running;
    private string? _error;

    private string OriginalId => ExperimentIds.Original(Dataset, Architecture, ForgetSetId);
    private string RetrainedId => ExperimentIds.Retrained(Dataset, Architecture, ForgetSetId);

    protected override void OnInitialized() => Queue.JobChanged += OnJobChanged;

    protected override void OnParametersSet() => Reload();

    private void Reload()
    {
        (string, DepthResults?)? Side(string? id) => id is null ? null : (ExperimentIds.Display(id), Load(id));
        _model = DepthViewModel.Build(Side(ModelAId), Side(ModelBId), Load(OriginalId), Load(RetrainedId));
    }

    /// <summary>Stored results, or null when there are none or they are unreadable (a bad file never breaks the view).</summary>
    private DepthResults? Load(string id)
    {
        try { return DepthDocument.TryLoad(Store.Artifacts, id); }
        catch (Exception e) when (e is UnauthorizedAccessException or NotSupportedException) { return null; }
    }

    /// <summary>The compared models (and, when no model is selected, the Original) that lack results and have a checkpoint.</summary>
    private List<string> Pending()
    {
        var ids = new[] { ModelAId, ModelBId }.OfType<string>().Distinct().ToList();
        if (ids.Count == 0) ids.Add(OriginalId);
        var refs = new[] { OriginalId, RetrainedId };
        return [.. ids.Where(id => Load(id) is null || refs.Any(r => r != id && Load(r) is null))
                      .Where(id => Store.Get(id) is { CheckpointPath: not null })];
    }

    [CascadingParameter] private Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState>? AuthState { get; set; }
    [Inject] private IServiceProvider Services { get; set; } = null!;
    /// <summary>Who uses this circuit (docs/lab-identity.md): Viewers cannot queue; the owner is recorded on the jobs.</summary>
    private Security.LabUiUser _user = Security.LabUiUser.Local;

    protected override async Task OnInitializedAsync() => _user = await Security.LabUiUser.ResolveAsync(AuthState, Services);

    private void Compute()
    {
        _error = null;
        if (!_user.CanWrite) return;
        try
        {
            foreach (var id in Pending())
            {
                var e = Store.Get(id)!;
                var jobs = Queue.Enqueue(new JobRequest { Kind = JobKind.Depth, Dataset = e.Dataset, Architecture = e.Architecture, ForgetSet = e.ForgetSetId, BaseExperimentId = id, Owner = _user.Owner });
                _jobs.AddRange(jobs.Select(j => j.Id));
                // The queue announces a new job before Enqueue returns, so the first state is taken from its answer (hides the button at once).
                _running ??= jobs.FirstOrDefault();
            }
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            _error = ex.Message;
        }
    }

    private void OnJobChanged(Job job)
    {
        if (!_jobs.Contains(job.Id)) return;
        _ = InvokeAsync(() =>
        {
            _running = job.Status is JobStatus.Queued or JobStatus.Running ? job : null;
            if (job.Status == JobStatus.Failed) _error = job.Error;
            if (job.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled) { _jobs.Remove(job.Id); Reload(); }
            StateHasChanged();
        });
    }

    public void Dispose() => Queue.JobChanged -= OnJobChanged;
}
