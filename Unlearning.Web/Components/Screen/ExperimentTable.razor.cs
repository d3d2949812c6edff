using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Components.Screen;

/// <summary>
/// The Model Screening table (docs/views.md, "Screening table"): colour-scaled metrics, header sorting, method filter, Model A/B
/// radios (a row chosen in one column is disabled in the other) and row actions.
/// </summary>
public partial class ExperimentTable
{
    private static int _instances;
    private readonly int _uid = Interlocked.Increment(ref _instances);
    private bool _expanded;

    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private Microsoft.JSInterop.IJSRuntime JS { get; set; } = null!;

    /// <summary>The open right-click menu: its row and where it opened (viewport pixels).</summary>
    private (Experiment Run, double X, double Y)? _menu;

    /// <summary>Rows of the active forget class in the store's default order (Original, Retrained, then by creation).</summary>
    [Parameter, EditorRequired] public IReadOnlyList<Experiment> Experiments { get; set; } = [];
    /// <summary>Display names of the methods that can be filtered on: (stored name, display name).</summary>
    [Parameter] public IReadOnlyList<(string Name, string Display)> FilterOptions { get; set; } = [];
    [Parameter] public string? ModelA { get; set; }
    [Parameter] public EventCallback<string?> ModelAChanged { get; set; }
    [Parameter] public string? ModelB { get; set; }
    [Parameter] public EventCallback<string?> ModelBChanged { get; set; }
    /// <summary>Called after the user confirmed deleting an (unlearned or uploaded) experiment.</summary>
    [Parameter] public EventCallback<Experiment> OnDelete { get; set; }
    [Parameter] public string EmptyText { get; set; } = "No models yet.";
    /// <summary>Whether the user may delete a row (docs/lab-identity.md: Researchers their own, Admins any); null = every row.</summary>
    [Parameter] public Func<Experiment, bool>? CanDelete { get; set; }
    /// <summary>The signed-in user in shared mode: the table shows an Owner column and a "Mine" filter. Null in local mode.</summary>
    [Parameter] public string? CurrentUser { get; set; }
    /// <summary>
    /// A Viewer: no buttons that queue work (more Retrained seeds, forgetting quality). Evaluating a class's shipped
    /// baselines stays open to everyone: nothing of the class can be read before it (docs/lab-identity.md, "Roles").
    /// </summary>
    [Parameter] public bool ReadOnly { get; set; }
    /// <summary>"Mine": only the user's own rows, with the baselines they are compared against.</summary>
    private bool _mineOnly;

    private bool Deletable(Experiment e) => CanDelete?.Invoke(e) ?? true;

    private IReadOnlyList<Experiment> Shown => _mineOnly && CurrentUser is { } me
        ? [.. Experiments.Where(e => e.IsBaseline || string.Equals(e.Owner, me, StringComparison.Ordinal))] : Experiments;
    /// <summary>Queued and running builds of this forget class, shown as placeholder rows (docs/views.md, "Screening table").</summary>
    [Parameter] public IReadOnlyList<Job> PendingJobs { get; set; } = [];

    /// <summary>
    /// True when a queued or running job of this class evaluates its Pending baselines first (an evaluation, an
    /// unlearning or an upload job); otherwise a Pending baseline row offers <see cref="OnEvaluateBaselines"/>.
    /// </summary>
    [Parameter] public bool BaselinesQueued { get; set; }

    /// <summary>The user asked to evaluate this class's Pending baselines.</summary>
    [Parameter] public EventCallback OnEvaluateBaselines { get; set; }

    /// <summary>The rows belong to a sample forget set: TUA is N/A and the TRA column holds the test accuracy (docs/forget-sets.md, "Metrics per kind").</summary>
    [Parameter] public bool SampleSet { get; set; }

    /// <summary>Shows the button that offers to train further Retrained seeds of the forget set.</summary>
    [Parameter] public bool CanAddRetrainedSeeds { get; set; }
    /// <summary>The newest forgetting-quality result per group key.</summary>
    [Parameter] public IReadOnlyDictionary<string, ForgettingQualityRecord> ForgettingQuality { get; set; } = new Dictionary<string, ForgettingQualityRecord>();
    /// <summary>Asks for the forgetting quality of a run's group (the row's action).</summary>
    [Parameter] public EventCallback<Experiment> OnForgettingQuality { get; set; }
    /// <summary>A row was clicked (outside its controls): the per-epoch metrics popover.</summary>
    [Parameter] public EventCallback<Experiment> OnRowClick { get; set; }
    [Parameter] public EventCallback OnAddRetrainedSeeds { get; set; }
    /// <summary>The user edited a row's tags/notes (the host stores them).</summary>
    [Parameter] public EventCallback<(Experiment Run, string? Notes)> OnNotesChanged { get; set; }

    private (TableColumn Column, string Label, string Help)[] Headers => SampleSet ? SampleSetHeaders : NumericHeaders;

    private string MethodName(string? stored) =>
        FilterOptions.FirstOrDefault(o => string.Equals(o.Name, stored, StringComparison.OrdinalIgnoreCase)).Display ?? stored ?? "-";

    private static (string Epochs, string BatchSize, string LearningRate) JobHyperparameters(Job job)
    {
        Dictionary<string, double>? hp = null;
        try { hp = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(job.HyperparametersJson); }
        catch (System.Text.Json.JsonException) { }
        string Get(string name) => hp is not null && hp.TryGetValue(name, out var v) ? v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : "-";
        return (Get("epochs"), Get("batch_size"), Get("learning_rate"));
    }

    public ExperimentTableModel Model { get; private set; } = new();

    private IReadOnlyList<ExperimentRow> Rows => Model.Rows(Shown);

    protected override void OnParametersSet()
    {
        var names = FilterOptions.ToDictionary(o => o.Name, o => o.Display, StringComparer.OrdinalIgnoreCase);
        var old = Model;
        Model = new ExperimentTableModel(m => m is null ? "-" : names.TryGetValue(m, out var d) ? d : m);
        if (old.SortColumn is { } c)
        {
            Model.ToggleSort(c);
            if (old.Direction == SortDirection.Ascending) Model.ToggleSort(c);
        }
        Model.MethodFilter.UnionWith(old.MethodFilter);
        Model.HiddenColumns.Clear();
        Model.HiddenColumns.UnionWith(old.HiddenColumns);
        Model.TextFilter = old.TextFilter;
        Model.ExpandedGroups.UnionWith(old.ExpandedGroups);
        Model.IncludeStale = old.IncludeStale;
        Model.ForgettingQuality = ForgettingQuality;
    }

    internal static readonly (TableColumn Column, string Label, string Help)[] NumericHeaders =
    [
        (TableColumn.Epoch, "Epoch", "Epochs of unlearning (or of training, for the baselines)."),
        (TableColumn.BatchSize, "BS", "Batch size: images per SGD step."),
        (TableColumn.LearningRate, "LR", "Learning rate: initial SGD learning rate."),
        (TableColumn.UA, "UA", "Unlearning Accuracy: accuracy on the forget class's training images. Lower = more forgetting."),
        (TableColumn.RA, "RA", "Retain Accuracy: macro mean of the training accuracy over the other (retain) classes. Higher = better."),
        (TableColumn.TUA, "TUA", "Test Unlearning Accuracy: accuracy on the forget class's test images. Lower = more forgetting."),
        (TableColumn.TRA, "TRA", "Test Retain Accuracy: macro mean of the test accuracy over the retain classes. Higher = better."),
        (TableColumn.RT, "RT", "Run Time: wall-clock seconds of the unlearning loop (for Retrained: its training time). Lower = better."),
        (TableColumn.PS, "PS", "Privacy Score: worst case over the membership-inference attacks against the Retrained model, 1 − max attack score. Higher = more private. On the Original (N/A in the original tool) it is the score of a model that forgot nothing: the floor to read the others against."),
        (TableColumn.MIA, "MIA", MiaHelp),
        (TableColumn.MiaR, "MIA-R", MiaRetainHelp),
        (TableColumn.Gap, "Gap", "Gap to Retrained: mean of |UA − UA_R|, |RA − RA_R|, |TUA − TUA_R|, |TRA − TRA_R| against the mean of this forget set's Retrained models (SalUn's average gap). Lower = closer to retraining."),
        (TableColumn.FQ, "FQ", FqHelp),
    ];

    private const string MiaRetainHelp = "MIA on retained data: AUC of a confidence threshold telling the retained training samples from test samples outside the forget set. " +
        "0.5 = no membership leak; compare with the Original (before unlearning): a method can make the retained data less private.";

    private const string FqHelp = "Forgetting quality (NeurIPS 2023 unlearning challenge): per forget example, how well any threshold on the logit-scaled confidence tells K runs of this group from K Retrained models; " +
        "1 = indistinguishable from retraining. Shown as F / ceiling: two groups of Retrained models already score only the ceiling, so read F against it. Compute it from the row's ⋮ action.";

    private const string MiaHelp = "MIA against the test set: AUC of a confidence threshold telling the forget samples from test samples " +
        "(of the forget class, or all of them for a sample set). 0.5 = indistinguishable, as for the Retrained model; above = the forget samples still look like training data.";

    /// <summary>The headers of a sample forget set: UA and RA on the forget and remaining train samples, TUA N/A, TA in the TRA column.</summary>
    internal static readonly (TableColumn Column, string Label, string Help)[] SampleSetHeaders =
    [
        .. NumericHeaders[..3],
        (TableColumn.UA, "UA", "Unlearning Accuracy: accuracy on the forget samples. Lower = more forgetting (the Retrained model's UA is the target)."),
        (TableColumn.RA, "RA", "Retain Accuracy: accuracy on the remaining training samples (sample-weighted). Higher = better."),
        (TableColumn.TUA, "TUA", "N/A for a sample forget set: no test image was forgotten, so there is no test-forget set."),
        (TableColumn.TRA, "TA", "Test Accuracy: accuracy on the whole test set. Higher = better."),
        .. NumericHeaders[7..9],
        (TableColumn.MIA, "MIA", MiaHelp),
        (TableColumn.MiaR, "MIA-R", MiaRetainHelp),
        (TableColumn.Gap, "Gap", "Gap to Retrained: mean of |UA − UA_R|, |RA − RA_R|, |TA − TA_R| against the mean of this forget set's Retrained models (SalUn's average gap). Lower = closer to retraining."),
        (TableColumn.FQ, "FQ", FqHelp),
    ];

    private static string RoleClass(ExperimentRow r) => r.Role switch
    {
        RowRole.GroupHead => "row-group",
        RowRole.Member => "row-member",
        _ => "",
    };

    private static readonly (string Title, string Gradient, string Lo, string Hi, string Help)[] Legend =
    [
        ("Accuracy", ColorScales.LegendGradient(ColorScales.InterpolateGreens), "Worst", "Best", "UA, TUA: 0.2 → 0 (lower is better); RA: 0.8 → 1; TRA: 0.8 → best TRA in the table; Gap: 0.1 → 0."),
        ("Efficiency", ColorScales.LegendGradient(ColorScales.InterpolateBlues), "Worst", "Best", "RT: 160 s → 0 s (faster is darker)."),
        ("Privacy", ColorScales.LegendGradient(ColorScales.InterpolateOranges), "0", "1", "PS: 0 → 1 (more private is darker); MIA: |AUC − 0.5| from 0.2 to 0 (closer to 0.5 is darker)."),
    ];

    private string SortClass(TableColumn c) => Model.DirectionOf(c) switch
    {
        SortDirection.Descending => "sorted-desc",
        SortDirection.Ascending => "sorted-asc",
        _ => "",
    };

    private string SortArrow(TableColumn c) => Model.DirectionOf(c) switch
    {
        SortDirection.Descending => "▼",
        SortDirection.Ascending => "▲",
        _ => "⇅",
    };

    private string RowClass(Experiment e) =>
        (ModelA == e.Id ? "row-a " : "") + (ModelB == e.Id ? "row-b " : "") + (e.Status != ExperimentStatus.Ready ? "row-pending" : "");

    private void FilterChanged(IEnumerable<string?>? values)
    {
        Model.MethodFilter.Clear();
        foreach (var v in values ?? []) if (v is not null) Model.MethodFilter.Add(v);
    }

    private string FilterText(IReadOnlyList<string> selected) =>
        selected.Count == 0 ? "All" : string.Join(", ", FilterOptions.Where(o => selected.Contains(o.Name)).Select(o => o.Display));

    private Task NotesAsync(Experiment e, string? text) => OnNotesChanged.InvokeAsync((e, text));

    private void ToggleColumn(TableColumn c)
    {
        if (!Model.HiddenColumns.Remove(c)) Model.HiddenColumns.Add(c);
    }

    private void OpenMenu(Experiment e, Microsoft.AspNetCore.Components.Web.MouseEventArgs ev) =>
        _menu = (e, Math.Max(0, ev.ClientX), Math.Max(0, ev.ClientY));

    private async Task MenuAsync(Func<Task> action)
    {
        _menu = null;
        await action();
    }

    /// <summary>The visible rows and columns as CSV, saved by the browser (wwwroot/js/download.js).</summary>
    private async Task DownloadCsvAsync()
    {
        string csv = Model.Csv(Rows, Experiments);
        string name = Experiments.Count > 0
            ? $"runs-{Experiments[0].Dataset}-{Experiments[0].Architecture}-{Experiments[0].ForgetSetId}.csv"
            : "runs.csv";
        try
        {
            await using var module = await JS.InvokeAsync<Microsoft.JSInterop.IJSObjectReference>("import", "./js/download.js");
            await module.InvokeVoidAsync("saveText", name, csv, "text/csv");
        }
        catch (Microsoft.JSInterop.JSDisconnectedException) { }
    }

    private async Task SelectA(string id)
    {
        if (id == ModelB) return;
        ModelA = id;
        await ModelAChanged.InvokeAsync(id);
    }

    private async Task SelectB(string id)
    {
        if (id == ModelA) return;
        ModelB = id;
        await ModelBChanged.InvokeAsync(id);
    }

    private async Task DeleteAsync(Experiment e)
    {
        if (e.IsBaseline) return;
        var ok = await Dialogs.ShowMessageBoxAsync("Delete model",
            $"Delete {e.Type} model {ExperimentIds.Display(e.Id)} with its checkpoint and results? This cannot be undone.",
            yesText: "Delete", cancelText: "Cancel");
        if (ok == true) await OnDelete.InvokeAsync(e);
    }
}
