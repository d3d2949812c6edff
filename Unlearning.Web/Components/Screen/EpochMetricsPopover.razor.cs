using Microsoft.AspNetCore.Components;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Views;

namespace Unlearning.Web.Components.Screen;

/// <summary>
/// The per-epoch metrics popover of a table row (docs/views.md, "Per-epoch metrics"). The caller opens it with
/// <see cref="Open"/> = true and <see cref="ExperimentId"/> = the clicked row, and passes the current <see cref="ModelAId"/> /
/// <see cref="ModelBId"/>; results load through Core's <see cref="ExperimentResultsReader"/> unless given. A record that cannot be
/// read or drawn shows a message; nothing here throws on stored data.
/// </summary>
public partial class EpochMetricsPopover
{
    [Inject] private ExperimentResultsReader Reader { get; set; } = default!;

    /// <summary>Whether the popover shows (two-way: the close button sets it false).</summary>
    [Parameter] public bool Open { get; set; }
    [Parameter] public EventCallback<bool> OpenChanged { get; set; }

    /// <summary>Full experiment id of the clicked row.</summary>
    [Parameter] public string? ExperimentId { get; set; }
    /// <summary>Full experiment id of Model A (emerald), if one is selected.</summary>
    [Parameter] public string? ModelAId { get; set; }
    /// <summary>Full experiment id of Model B (purple), if one is selected.</summary>
    [Parameter] public string? ModelBId { get; set; }

    /// <summary>The clicked experiment's results when the caller already has them; skips loading.</summary>
    [Parameter] public ExperimentResults? Results { get; set; }
    /// <summary>Model A's results when the caller already has them; skips loading.</summary>
    [Parameter] public ExperimentResults? ResultsA { get; set; }
    /// <summary>Model B's results when the caller already has them; skips loading.</summary>
    [Parameter] public ExperimentResults? ResultsB { get; set; }

    private IReadOnlyList<EpochMetricsSource?> _sources = [];
    private string _title = "";
    private string? _error;
    private bool _loading;
    private (string?, string?, string?, ExperimentResults?, ExperimentResults?, ExperimentResults?)? _loaded;

    protected override async Task OnParametersSetAsync()
    {
        if (!Open) return;
        var key = (ExperimentId, ModelAId, ModelBId, Results, ResultsA, ResultsB);
        if (_loaded == key) return;
        _loaded = key;
        _loading = true;
        _error = null;
        try
        {
            var clicked = await Resolve(ExperimentId, Results);
            var a = await Resolve(ModelAId, ResultsA);
            var b = await Resolve(ModelBId, ResultsB);
            _title = clicked?.Label ?? (ExperimentId is null ? "no experiment" : ExperimentIds.Display(ExperimentId));
            _sources = Sources(clicked, a, b);
        }
        // A view never throws on stored data: a document that cannot be read (or a store that cannot answer) is a message.
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _sources = [];
            _error = "The stored results of this experiment could not be read.";
        }
        finally
        {
            _loading = false;
        }
    }

    /// <summary>
    /// What to draw: Model A and Model B overlaid when both have per-epoch metrics (with the clicked row too when it is neither),
    /// otherwise the clicked experiment alone.
    /// </summary>
    public static IReadOnlyList<EpochMetricsSource?> Sources(ComparedModel? clicked, ComparedModel? a, ComparedModel? b)
    {
        static bool Has(ComparedModel? m) => m?.Results?.EpochMetrics is { Count: > 0 };
        var own = clicked is null ? null : new EpochMetricsSource(clicked.Label, ViewColors.NeutralDark, clicked.Results?.EpochMetrics);
        if (!Has(a) || !Has(b) || a!.Id == b!.Id) return [own];
        var list = new List<EpochMetricsSource?>
        {
            new($"Model A {a.Label}", ViewColors.ModelA, a.Results!.EpochMetrics),
            new($"Model B {b.Label}", ViewColors.ModelB, b.Results!.EpochMetrics),
        };
        if (clicked is not null && clicked.Id != a.Id && clicked.Id != b.Id) list.Add(own);
        return list;
    }

    private Task<ComparedModel?> Resolve(string? id, ExperimentResults? given)
    {
        if (given is not null) return Task.FromResult<ComparedModel?>(ExperimentResultsReader.Describe(id, given, -1));
        return id is null ? Task.FromResult<ComparedModel?>(null) : Reader.GetAsync(id);
    }

    private async Task CloseAsync()
    {
        Open = false;
        await OpenChanged.InvokeAsync(false);
    }
}
