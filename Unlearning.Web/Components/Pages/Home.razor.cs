using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;
using Unlearning.Web.Components.Build;
using Unlearning.Web.Components.Layout;
using Unlearning.Web.Components.Screen;
using Unlearning.Web.State;

namespace Unlearning.Web.Components.Pages;

/// <summary>
/// The comparator page: restores <see cref="ComparisonState"/> from the URL, keeps the URL in step with it, loads
/// the active forget class's experiments and reacts to the job queue's events (raised on a background thread).
/// </summary>
public partial class Home : IDisposable
{
    private IReadOnlyList<Experiment> _experiments = [];
    private IReadOnlyDictionary<string, ForgettingQualityRecord> _forgettingQuality = new Dictionary<string, ForgettingQualityRecord>();
    private bool _epochOpen;
    private string? _epochExperiment;
    /// <summary>Queued/running Unlearn and Upload jobs of the active forget class (placeholder rows).</summary>
    private IReadOnlyList<Job> _pendingJobs = [];

    /// <summary>A queued or running job of the active class evaluates its Pending baselines first (see <see cref="WillEvaluateBaselines"/>).</summary>
    private bool _baselinesQueued;
    private bool _dialogOpen;
    /// <summary>False while prerendering: a plain GET must not queue jobs.</summary>
    private bool _interactive;

    [Inject] private ComparisonState State { get; set; } = null!;
    [Inject] private Microsoft.JSInterop.IJSRuntime JS { get; set; } = null!;
    private ElementReference _dash, _core;
    private Microsoft.JSInterop.IJSObjectReference? _fit;
    [Inject] private NavigationManager Nav { get; set; } = null!;
    [Inject] private ExperimentStore Store { get; set; } = null!;
    [Inject] private JobQueue Queue { get; set; } = null!;
    [Inject] private MethodCatalog Catalog { get; set; } = null!;
    [Inject] private DatasetLoader Datasets { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;
    [Inject] private ForgetSetService ForgetSets { get; set; } = null!;
    [Inject] private ForgettingQualityService ForgettingQuality { get; set; } = null!;
    [CascadingParameter] private Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState>? AuthState { get; set; }
    [Inject] private IServiceProvider Services { get; set; } = null!;
    /// <summary>Who uses this circuit (docs/lab-identity.md): what they may change and the owner recorded on what they build.</summary>
    private Security.LabUiUser _user = Security.LabUiUser.Local;


    /// <summary>The active tab's forget set (null when none is open or the id is unknown).</summary>
    private ForgetSetInfo? _activeSet;
    /// <summary>Readable names of the open tabs' forget sets.</summary>
    private Dictionary<string, string> _setNames = [];

    /// <summary>The active set's class for the views (highlighted as "✖"): a class or sub-class set's class, else −1.</summary>
    private int ActiveClass => _activeSet?.Class ?? -1;

    /// <summary>True when the active set has no Retrained model and none is being trained: the tab offers to train one.</summary>
    private bool NeedsRetrained => _activeSet is not null && DatasetAvailable && _experiments.Any(e => e.Type == ExperimentType.Original)
        && !_experiments.Any(e => e.Type == ExperimentType.Retrained) && !_retrainQueued;
    private bool _retrainQueued;
    /// <summary>What one Retrained model of the active set costs here (see <see cref="RetrainCost"/>), read with the rows.</summary>
    private string? _retrainCost;
    /// <summary>The user asked to train further Retrained seeds of the active set (the offer shows until they train or close it).</summary>
    private bool _moreRetrainedSeeds;

    private bool DatasetAvailable => Datasets.IsAvailable(State.DatasetInfo);
    private bool CanBuild => State.ActiveForgetSet is not null && DatasetAvailable && _experiments.Any(e => e.Type == ExperimentType.Original);

    private string? BuildDisabledReason =>
        State.ActiveForgetSet is null ? "Open a forget set first."
        : !DatasetAvailable ? $"{State.DatasetInfo.DisplayName} is not installed on this server."
        : !_experiments.Any(e => e.Type == ExperimentType.Original)
            ? (_activeSet is { IsClassWise: false } ? "The Original model of this forget set is being prepared; wait for its evaluation." : "No Original model for this dataset and architecture yet.")
            : null;

    private string EmptyTableText => $"No baseline models for {State.DatasetInfo.DisplayName} / {State.Architecture}: train them first (see README, \"train-baselines\").";

    private IReadOnlyList<(string Name, string Display)> FilterOptions =>
        [.. Catalog.All.Select(m => (m.Name, m.DisplayName)), ("Custom", "Upload (Custom)")];

    protected override async Task OnInitializedAsync() => _user = await Security.LabUiUser.ResolveAsync(AuthState, Services);

    protected override void OnInitialized()
    {
        var uri = Nav.ToAbsoluteUri(Nav.Uri);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query);
        State.Apply(key => query.TryGetValue(key, out var v) ? v.ToString() : null);
        LoadExperiments();
        Queue.JobChanged += OnJobChanged;
        Queue.ExperimentsChanged += OnExperimentsChanged;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender) return;
        _interactive = true;
        try
        {
            // The main region's size as CSS variables (--fit-w/--fit-h) for the views that bound a chart by it (docs/views.md, "Layout").
            _fit = await JS.InvokeAsync<IJSObjectReference>("import", "./js/fit.js");
            await _fit.InvokeVoidAsync("observe", _core);
        }
        catch (JSDisconnectedException) { }
        SyncUrl();
        WarmReferences();
        if (State.ActiveForgetSet is null) await OpenForgetClassDialogAsync(forced: true);
    }

    /// <summary>
    /// The open forget set's evaluated baselines get their reference Gram matrices computed on a worker now, so that the
    /// first model built here is evaluated with them cached (docs/architecture.md, "Caches"). A cache, not a job: nothing queued shows.
    /// </summary>
    private void WarmReferences()
    {
        if (!_interactive || State.ActiveForgetSet is not { } setId) return;
        bool Ready(ExperimentType type) => _experiments.Any(e => e.Type == type && e.Status == ExperimentStatus.Ready && e.CheckpointPath is not null);
        if (Ready(ExperimentType.Original) && Ready(ExperimentType.Retrained))
            Queue.RequestWarmReferences(State.Dataset, State.Architecture, setId);
    }

    /// <summary>
    /// Loads the active forget set's rows (a database read; the rows are made at start-up, a sample set's by the
    /// worker) and fills default A/B. A tab whose set does not exist (a stale link) is closed with a message.
    /// </summary>
    private void LoadExperiments()
    {
        var info = State.DatasetInfo;
        foreach (var id in State.OpenForgetSets.ToList())
        {
            if (_setNames.ContainsKey(id)) continue;
            if (ForgetSets.Get(info, id) is { } set) _setNames[id] = set.Name;
            else
            {
                State.CloseForgetSet(id);
                if (_interactive) Snackbar.Add($"Forget set '{id}' does not exist for {info.DisplayName}; its tab was closed.", Severity.Warning);
            }
        }
        if (State.ActiveForgetSet is not { } setId) { _activeSet = null; _experiments = []; _pendingJobs = []; _baselinesQueued = false; _retrainQueued = false; return; }
        _activeSet = ForgetSets.Get(info, setId);
        _experiments = Store.List(State.Dataset, State.Architecture, setId);
        _forgettingQuality = ForgettingQuality.LatestByGroup(State.Dataset, State.Architecture, setId);
        var jobs = Queue.List(100);
        _pendingJobs = [.. jobs.Where(IsPendingBuild).OrderBy(j => j.Id)];
        _baselinesQueued = jobs.Any(WillEvaluateBaselines);
        _retrainQueued = jobs.Any(IsPendingRetrain);
        _retrainCost = RetrainCost();
        var ids = _experiments.Select(e => e.Id).ToHashSet();
        if (State.ModelA is not null && !ids.Contains(State.ModelA)) State.ModelA = null;
        if (State.ModelB is not null && !ids.Contains(State.ModelB)) State.ModelB = null;
        State.ModelA ??= _experiments.FirstOrDefault(e => e.Type == ExperimentType.Original && e.Id != State.ModelB)?.Id;
        State.ModelB ??= _experiments.FirstOrDefault(e => e.Type == ExperimentType.Retrained && e.Id != State.ModelA)?.Id;
        WarmReferences();
    }

    /// <summary>
    /// The user chose a forget class (or a dataset/architecture): the job queue evaluates its baselines if they are
    /// still Pending (it decides, and prepares the rows on its worker). Opening the page queues nothing.
    /// </summary>
    private void RequestBaselineEvaluation()
    {
        if (!_interactive || State.ActiveForgetSet is not { } setId || !DatasetAvailable) return;
        try
        {
            Queue.RequestBaselineEvaluation(State.Dataset, State.Architecture, setId);
        }
        // A full queue (QueueFullException) is an InvalidOperationException: a message, never a dead circuit.
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            Snackbar.Add($"Could not evaluate the baselines: {Api.ApiProblems.WithoutPaths(e.Message)}", Severity.Error);
        }
    }

    private void SyncUrl()
    {
        var target = Nav.GetUriWithQueryParameters(Nav.Uri.Split('?')[0], State.ToQuery());
        if (target != Nav.Uri) Nav.NavigateTo(target, replace: true);
    }

    /// <param name="userChoseClass">True after the user picked a forget class, dataset or architecture: its pending baselines are evaluated.</param>
    private void Changed(bool reload = true, bool userChoseClass = false)
    {
        if (reload) LoadExperiments();
        if (userChoseClass) RequestBaselineEvaluation();
        SyncUrl();
        StateHasChanged();
    }

    private async Task SetDatasetAsync(string id)
    {
        State.SetDataset(id);
        Changed(userChoseClass: true);
        if (State.ActiveForgetSet is null) await OpenForgetClassDialogAsync(forced: true);
    }

    private Task SetArchitectureAsync(string id)
    {
        State.SetArchitecture(id);
        Changed(userChoseClass: true);
        return Task.CompletedTask;
    }

    private Task ActivateAsync(string id)
    {
        if (State.ActiveForgetSet == id) return Task.CompletedTask;
        State.Activate(id);
        Changed(userChoseClass: true);
        return Task.CompletedTask;
    }

    private async Task CloseAsync(string id)
    {
        State.CloseForgetSet(id);
        Changed(userChoseClass: true);
        if (State.ActiveForgetSet is null) await OpenForgetClassDialogAsync(forced: true);
    }

    private string SetName(string id) => _setNames.TryGetValue(id, out var n) ? n : id;

    /// <summary>
    /// Queues the Retrained model(s) of the active forget set (docs/forget-sets.md, "Baselines"): one job per seed; the
    /// first becomes the set's reference, further seeds form the Retrained group.
    /// </summary>
    private void TrainRetrained(long[]? seeds)
    {
        if (State.ActiveForgetSet is not { } setId || !_user.CanWrite) return;
        try
        {
            var jobs = Queue.Enqueue(new JobRequest { Kind = JobKind.Retrain, Dataset = State.Dataset, Architecture = State.Architecture, ForgetSet = setId, Seeds = seeds, Owner = _user.Owner });
            _moreRetrainedSeeds = false;
            Snackbar.Add(jobs.Count == 1 ? $"Queued the Retrained model (job #{jobs[0].Id})." : $"Queued {jobs.Count} Retrained models (#{jobs[0].Id}–#{jobs[^1].Id}).", Severity.Success);
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            Snackbar.Add($"Could not queue the Retrained model: {Api.ApiProblems.WithoutPaths(e.Message)}", Severity.Error);
        }
        LoadExperiments();
    }

    /// <summary>
    /// What training one Retrained model costs here, from the class Retrained models' own training times (RT), scaled
    /// by the number of retain samples; null when no class Retrained model is on this server.
    /// </summary>
    private string? RetrainCost()
    {
        if (_activeSet is null || !DatasetAvailable) return null;
        var classRetrained = Store.List(State.Dataset, State.Architecture).Where(e => e.Type == ExperimentType.Retrained && e.RT is > 0 && e.ForgetSetId.StartsWith(Core.Data.ForgetSets.ClassPrefix, StringComparison.Ordinal)).ToList();
        if (classRetrained.Count == 0) return null;
        var info = State.DatasetInfo;
        int train = Datasets.Load(info).Train.Count;
        // A class Retrained model trained on about (K − 1)/K of the train set; this one trains on all but the set's samples.
        double seconds = classRetrained.Average(e => e.RT!.Value) * (train - _activeSet.Size) / (train * (info.NumClasses - 1.0) / info.NumClasses);
        return seconds < 90 ? $"≈ {seconds:0} s" : $"≈ {seconds / 60:0.#} min";
    }

    private Task SetModelAAsync(string? id) { State.ModelA = id; Changed(reload: false); return Task.CompletedTask; }
    private Task SetModelBAsync(string? id) { State.ModelB = id; Changed(reload: false); return Task.CompletedTask; }

    /// <summary>The main tabs in their on-screen order (the URL names a tab by its <see cref="ComparisonView"/> name).</summary>
    private static readonly ComparisonView[] TabOrder = [ComparisonView.Contrast, ComparisonView.Attack, ComparisonView.RunsMap, ComparisonView.Privacy, ComparisonView.Depth];

    private static int TabIndex(ComparisonView view) => Math.Max(0, Array.IndexOf(TabOrder, view));

    private Task SetViewAsync(int index)
    {
        State.View = index >= 0 && index < TabOrder.Length ? TabOrder[index] : ComparisonView.Contrast;
        Changed(reload: false);
        return Task.CompletedTask;
    }

    private async Task OpenForgetClassDialogAsync(bool forced)
    {
        if (_dialogOpen) return;
        _dialogOpen = true;
        try
        {
            var parameters = new DialogParameters<ForgetClassDialog>
            {
                { d => d.Forced, forced },
                { d => d.Dataset, State.Dataset },
                { d => d.Architecture, State.Architecture },
                { d => d.Open, forced ? [] : State.OpenForgetSets.ToList() },
                { d => d.Available, Datasets.IsAvailable },
            };
            var options = new DialogOptions { BackdropClick = !forced, CloseOnEscapeKey = !forced, CloseButton = !forced, MaxWidth = MaxWidth.Small };
            var dialog = await Dialogs.ShowAsync<ForgetClassDialog>(forced ? "Unlearning Comparator" : "Select a forget set", parameters, options);
            var result = await dialog.Result;
            if (result is { Canceled: false, Data: ForgetClassChoice choice })
            {
                State.SetDataset(choice.Dataset);
                State.SetArchitecture(choice.Architecture);
                _setNames[choice.ForgetSetId] = choice.Name;
                State.OpenForgetSet(choice.ForgetSetId);
                Changed(userChoseClass: true);
            }
        }
        finally { _dialogOpen = false; }
    }

    private async Task OpenBuilderAsync()
    {
        if (State.ActiveForgetSet is not { } setId || _activeSet is null || !_user.CanWrite) return;
        var bases = _experiments.Where(e => e.CheckpointPath is not null && (e.Status == ExperimentStatus.Ready || e.IsBaseline)).ToList();
        var parameters = new DialogParameters<ModelBuilderDialog>
        {
            { d => d.Dataset, State.Dataset },
            { d => d.Architecture, State.Architecture },
            { d => d.ForgetClass, ActiveClass },
            { d => d.ForgetSet, setId },
            { d => d.ClassWise, _activeSet.IsClassWise },
            { d => d.ClassName, _activeSet.Name },
            { d => d.BaseModels, bases },
            { d => d.Owner, _user.Owner },
        };
        var dialog = await Dialogs.ShowAsync<ModelBuilderDialog>("Model Builder", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, CloseButton = true, BackdropClick = false });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: IReadOnlyList<Job> jobs })
        {
            State.StartedJobs.UnionWith(jobs.Select(j => j.Id));
            Snackbar.Add(jobs.Count == 1 ? $"Queued job #{jobs[0].Id}." : $"Queued {jobs.Count} jobs (#{jobs[0].Id}–#{jobs[^1].Id}).", Severity.Success);
        }
    }

    /// <summary>The row popover of per-epoch metrics (docs/views.md, "Per-epoch metrics").</summary>
    private void OpenEpochMetrics(Experiment e)
    {
        _epochExperiment = e.Id;
        _epochOpen = true;
    }

    /// <summary>The forgetting-quality dialog of a run's group (docs/metrics.md, "Forgetting quality").</summary>
    private async Task OpenForgettingQualityAsync(Experiment e)
    {
        var parameters = new DialogParameters<ForgettingQualityDialog>
        {
            { d => d.ExperimentId, e.Id },
            { d => d.Title, $"{MethodDisplay(e.Method)} · {ExperimentIds.Display(e.Id)}" },
            { d => d.Owner, _user.Owner },
            { d => d.ReadOnly, !_user.CanWrite },
        };
        var dialog = await Dialogs.ShowAsync<ForgettingQualityDialog>("Forgetting quality", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, CloseButton = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: IReadOnlyList<Job> jobs } && jobs.Count > 0)
        {
            State.StartedJobs.UnionWith(jobs.Select(j => j.Id));
            Snackbar.Add($"Queued {jobs.Count} job(s) for forgetting quality (#{jobs[0].Id}–#{jobs[^1].Id}).", Severity.Success);
        }
    }

    private string MethodDisplay(string? method) => method is null ? "-" : Catalog.TryGet(method)?.DisplayName ?? method;

    /// <summary>Stores a row's tags/notes (docs/views.md, "Screening table").</summary>
    private void SaveNotes((Experiment Run, string? Notes) change)
    {
        try
        {
            Store.SetNotes(change.Run.Id, change.Notes);
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }
        LoadExperiments();
    }

    private Task DeleteAsync(Experiment e)
    {
        if (!_user.CanModify(e.Owner))
        {
            Snackbar.Add($"{ExperimentIds.Display(e.Id)} is not yours to delete.", Severity.Warning);
            return Task.CompletedTask;
        }
        try
        {
            Store.Delete(e.Id);
            Snackbar.Add($"Deleted {ExperimentIds.Display(e.Id)}.", Severity.Info);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }
        Changed();
        return Task.CompletedTask;
    }

    /// <summary>Jobs of the active forget set that evaluate its Pending baselines before anything else.</summary>
    private bool WillEvaluateBaselines(Job j) =>
        j.Kind is JobKind.Evaluate or JobKind.Unlearn or JobKind.Upload or JobKind.Retrain && j.Status is JobStatus.Queued or JobStatus.Running
        && j.Dataset == State.Dataset && j.Architecture == State.Architecture && j.ForgetSetId == State.ActiveForgetSet;

    private bool IsPendingRetrain(Job j) =>
        j.Kind == JobKind.Retrain && j.Status is JobStatus.Queued or JobStatus.Running
        && j.Dataset == State.Dataset && j.Architecture == State.Architecture && j.ForgetSetId == State.ActiveForgetSet;

    /// <summary>The user asked for it from a Pending baseline row (a page opened from a link with a class queues nothing by itself).</summary>
    private void EvaluateBaselines()
    {
        RequestBaselineEvaluation();
        LoadExperiments();
    }

    private bool IsPendingBuild(Job j) =>
        j.Kind is JobKind.Unlearn or JobKind.Upload && j.Status is JobStatus.Queued or JobStatus.Running
        && j.Dataset == State.Dataset && j.Architecture == State.Architecture && j.ForgetSetId == State.ActiveForgetSet;

    private void OnJobChanged(Job job)
    {
        // A job that evaluates this class's baselines first appeared or ended: the Pending rows show a spinner or the
        // evaluate button accordingly (progress updates of a running job change nothing here).
        if (job.Kind is JobKind.Evaluate or JobKind.Unlearn or JobKind.Upload or JobKind.Retrain && !(job.Status == JobStatus.Running && _baselinesQueued)
            && job.Dataset == State.Dataset && job.Architecture == State.Architecture && job.ForgetSetId == State.ActiveForgetSet)
            _ = InvokeAsync(() =>
            {
                var jobs = Queue.List(100);
                bool queued = jobs.Any(WillEvaluateBaselines), retrain = jobs.Any(IsPendingRetrain);
                if (queued == _baselinesQueued && retrain == _retrainQueued) return;
                _baselinesQueued = queued;
                _retrainQueued = retrain;
                StateHasChanged();
            });
        if (job.Kind is JobKind.Unlearn or JobKind.Upload)
            _ = InvokeAsync(() =>
            {
                // Placeholder rows: re-render when a build of this forget class appears, progresses or ends.
                bool shown = _pendingJobs.Any(j => j.Id == job.Id);
                if (!shown && !IsPendingBuild(job)) return;
                _pendingJobs = [.. _pendingJobs.Where(j => j.Id != job.Id).Concat(IsPendingBuild(job) ? [job] : []).OrderBy(j => j.Id)];
                StateHasChanged();
            });
        if (job.Status != JobStatus.Succeeded || !State.StartedJobs.Contains(job.Id)) return;
        _ = InvokeAsync(() =>
        {
            // A build this tab started finished: its model becomes Model B (as the original; docs/views.md, "Model builder").
            if (!State.StartedJobs.Remove(job.Id) || job.ResultExperimentId is not { } id) return;
            if (job.Dataset != State.Dataset || job.Architecture != State.Architecture || job.ForgetSetId != State.ActiveForgetSet) return;
            LoadExperiments();
            if (_experiments.Any(e => e.Id == id) && State.ModelA != id) State.ModelB = id;
            SyncUrl();
            StateHasChanged();
        });
    }

    private void OnExperimentsChanged(string dataset, string architecture, string forgetSetId) => _ = InvokeAsync(() =>
    {
        if (dataset != State.Dataset || architecture != State.Architecture || forgetSetId != State.ActiveForgetSet) return;
        LoadExperiments();
        SyncUrl();
        StateHasChanged();
    });

    public void Dispose()
    {
        if (_fit is not null) _ = DisposeFitAsync(_fit);
        Queue.JobChanged -= OnJobChanged;
        Queue.ExperimentsChanged -= OnExperimentsChanged;
        GC.SuppressFinalize(this);
    }

    private static async Task DisposeFitAsync(IJSObjectReference module)
    {
        try { await module.DisposeAsync(); }
        catch (JSDisconnectedException) { }
    }
}
