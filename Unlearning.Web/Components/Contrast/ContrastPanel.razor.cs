using Microsoft.AspNetCore.Components;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Web.Components.Views;

namespace Unlearning.Web.Components.Contrast;

/// <summary>
/// The Contrast stage for the host page. Loads Model A's and Model B's results documents by id through
/// <see cref="ExperimentResultsCache"/>, unless <see cref="ResultsA"/> / <see cref="ResultsB"/> are given (tests,
/// previews), in which case nothing is loaded.
/// </summary>
public partial class ContrastPanel
{
    private ComparedModel? modelA, modelB;
    private IReadOnlyList<string> classNames = [];
    private string? error;
    private (string?, string?, object?, object?) loadedKey;

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

    private const string NotEvaluatedText = "The selected model has no stored evaluation yet; it appears here once its evaluation finishes.";

    protected override async Task OnParametersSetAsync()
    {
        classNames = DatasetCatalog.TryGet(Dataset)?.ClassNames ?? [.. Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        var key = (ModelAId, ModelBId, (object?)ResultsA, (object?)ResultsB);
        if (key == loadedKey && (modelA is not null || error is not null)) return;
        loadedKey = key;
        error = null;
        try
        {
            var cache = Services.GetService(typeof(ExperimentResultsCache)) as ExperimentResultsCache;
            var a = Resolve(ModelAId, ResultsA, cache);
            var b = Resolve(ModelBId, ResultsB, cache);
            (modelA, modelB) = (await a, await b);
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or InvalidOperationException)
        {
            (modelA, modelB, error) = (null, null, $"Could not load the results: {ex.Message}");
        }
    }

    internal static Task<ComparedModel?> Resolve(string? id, ExperimentResults? given, ExperimentResultsCache? cache)
    {
        if (given is not null) return Task.FromResult<ComparedModel?>(new ComparedModel(id ?? "—", ComparedModel.TypeFromId(id ?? ""), given));
        if (id is null || cache is null) return Task.FromResult<ComparedModel?>(null);
        return cache.GetAsync(id);
    }
}
