using Microsoft.AspNetCore.Components;
using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Views;

namespace Unlearning.Web.Components.Contrast;

/// <summary>
/// The Contrast stage for the host page. Loads Model A's and Model B's results documents by id through
/// Core's <see cref="ExperimentResultsReader"/>, unless <see cref="ResultsA"/> / <see cref="ResultsB"/> are given (tests,
/// previews), in which case nothing is loaded.
/// </summary>
public partial class ContrastPanel : ComparisonPanelBase
{
    /// <summary>
    /// What the panel draws: both (previews, tests), or one part — the dashboard puts the Embedding Space in its
    /// main tab and the Metrics View in its fixed right column (docs/views.md, "Layout").
    /// </summary>
    [Parameter] public ContrastPart Part { get; set; } = ContrastPart.Both;

    private ComparedModel? modelA, modelB;
    private IReadOnlyList<string> classNames = [];
    private string? error;
    private (string?, string?, object?, object?) loadedKey;

    private const string NotEvaluatedText = "The selected model has no stored evaluation yet; it appears here once its evaluation finishes.";

    protected override async Task OnParametersSetAsync()
    {
        classNames = ClassNamesOf();
        var key = (ModelAId, ModelBId, (object?)ResultsA, (object?)ResultsB);
        if (key == loadedKey && (modelA is not null || error is not null)) return;
        loadedKey = key;
        error = null;
        try
        {
            var a = Resolve(ModelAId, ResultsA);
            var b = Resolve(ModelBId, ResultsB);
            (modelA, modelB) = (await a, await b);
        }
        catch (Exception ex) when (IsLoadFailure(ex))
        {
            (modelA, modelB, error) = (null, null, $"Could not load the results: {Api.ApiProblems.WithoutPaths(ex.Message)}");
        }
    }
}

/// <summary>Which part of the Contrast stage a <see cref="ContrastPanel"/> draws.</summary>
public enum ContrastPart { Both, Embedding, Metrics }
