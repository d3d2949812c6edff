using Microsoft.AspNetCore.Components;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;

namespace Unlearning.Web.Components.Views;

/// <summary>
/// What the Contrast and Attack stages share: the compared row (dataset, architecture, forget class), Model A and
/// Model B by id or by given results, the class names, and loading through <see cref="ExperimentResultsCache"/>.
/// </summary>
public abstract class ComparisonPanelBase : ComponentBase
{
    [Inject] private IServiceProvider Services { get; set; } = default!;

    [Parameter, EditorRequired] public string Dataset { get; set; } = "";
    [Parameter, EditorRequired] public string Architecture { get; set; } = "";
    [Parameter] public int ForgetClass { get; set; }
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

    /// <summary>A model's results: the given ones, else loaded by id through the cache (null without either).</summary>
    protected Task<ComparedModel?> Resolve(string? id, ExperimentResults? given) =>
        Resolve(id, given, Services.GetService(typeof(ExperimentResultsCache)) as ExperimentResultsCache);

    internal static Task<ComparedModel?> Resolve(string? id, ExperimentResults? given, ExperimentResultsCache? cache)
    {
        if (given is not null) return Task.FromResult<ComparedModel?>(new ComparedModel(id ?? "—", ComparedModel.TypeFromId(id ?? ""), given));
        if (id is null || cache is null) return Task.FromResult<ComparedModel?>(null);
        return cache.GetAsync(id);
    }

    /// <summary>A load failure the panel shows instead of its views.</summary>
    protected static bool IsLoadFailure(Exception ex) => ex is IOException or System.Text.Json.JsonException or InvalidOperationException;
}
