using Microsoft.AspNetCore.Components;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Components.Views;

/// <summary>
/// What the Contrast and Attack stages share: the compared row (dataset, architecture, forget class), Model A and
/// Model B by id or by given results, the class names, and loading through Core's <see cref="ExperimentResultsReader"/>.
/// </summary>
public abstract class ComparisonPanelBase : ComponentBase
{
    /// <summary>Core's read service for stored results (it caches the parsed documents).</summary>
    [Inject] protected ExperimentResultsReader Reader { get; set; } = default!;

    [Parameter, EditorRequired] public string Dataset { get; set; } = "";
    [Parameter, EditorRequired] public string Architecture { get; set; } = "";
    /// <summary>The forget set's class (highlighted in the views); −1 for a random or uploaded sample set.</summary>
    [Parameter] public int ForgetClass { get; set; }
    /// <summary>The forget set (docs/forget-sets.md); null = the class set of <see cref="ForgetClass"/>.</summary>
    [Parameter] public string? ForgetSetId { get; set; }

    /// <summary>The forget set id the panel shows.</summary>
    protected string ForgetSet => ForgetSetId ?? ForgetSets.ClassId(ForgetClass);
    /// <summary>Full experiment id of Model A (left, emerald).</summary>
    [Parameter] public string? ModelAId { get; set; }
    /// <summary>Full experiment id of Model B (right, purple).</summary>
    [Parameter] public string? ModelBId { get; set; }
    /// <summary>Model A's results when the caller already has them; skips loading.</summary>
    [Parameter] public ExperimentResults? ResultsA { get; set; }
    /// <summary>Model B's results when the caller already has them; skips loading.</summary>
    [Parameter] public ExperimentResults? ResultsB { get; set; }

    /// <summary>The dataset's class names, or "0".."9" for an unknown dataset.</summary>
    protected IReadOnlyList<string> ClassNamesOf() =>
        DatasetCatalog.TryGet(Dataset)?.ClassNames ?? [.. Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>A model: described from the given results, else read by id (null without either, or for an unknown id).</summary>
    protected Task<ComparedModel?> Resolve(string? id, ExperimentResults? given)
    {
        if (given is not null) return Task.FromResult<ComparedModel?>(ExperimentResultsReader.Describe(id, given, ForgetClass));
        return id is null ? Task.FromResult<ComparedModel?>(null) : Reader.GetAsync(id);
    }

    /// <summary>A load failure the panel shows instead of its views.</summary>
    protected static bool IsLoadFailure(Exception ex) => ex is IOException or System.Text.Json.JsonException or InvalidOperationException;
}
