using System.Globalization;
using Unlearning.Core.Data;
using Unlearning.Core.Models;

namespace Unlearning.Web.State;

/// <summary>Which lower panel is shown: the embedding/metrics contrast or the attack simulation.</summary>
public enum ComparisonView { Contrast, Attack }

/// <summary>
/// The page state of one browser tab (one Blazor circuit, registered scoped): dataset, architecture, open
/// forget-class tabs, the active one, Model A/B and the lower view. It is mirrored in the URL query so that a
/// comparison can be shared as a link (docs/views.md, "Shareable URL"):
/// <c>?dataset=fashion-mnist&amp;architecture=compact&amp;forgetClass=3,1&amp;modelA=…&amp;modelB=…&amp;view=attack</c>.
/// <c>forgetClass</c> lists the open tabs with the active class first; model ids are full experiment ids.
/// </summary>
public sealed class ComparisonState
{
    public const string DatasetKey = "dataset", ArchitectureKey = "architecture", ForgetClassKey = "forgetClass",
        ModelAKey = "modelA", ModelBKey = "modelB", ViewKey = "view";

    private readonly List<int> _open = [];

    public string Dataset { get; private set; } = DatasetCatalog.FashionMnist.Id;
    public string Architecture { get; private set; } = ModelCatalog.Compact.Id;
    /// <summary>Open forget-class tabs, ascending.</summary>
    public IReadOnlyList<int> OpenForgetClasses => _open;
    public int? ActiveForgetClass { get; private set; }
    public string? ModelA { get; set; }
    public string? ModelB { get; set; }
    public ComparisonView View { get; set; } = ComparisonView.Contrast;

    /// <summary>Jobs started from this tab: when one succeeds its experiment becomes Model B.</summary>
    public HashSet<long> StartedJobs { get; } = [];

    public DatasetInfo DatasetInfo => DatasetCatalog.Get(Dataset);

    /// <summary>Switches dataset (the open tabs stay when the new dataset has those classes; A/B are reset).</summary>
    public void SetDataset(string id)
    {
        var info = DatasetCatalog.Get(id);
        if (info.Id == Dataset) return;
        Dataset = info.Id;
        _open.RemoveAll(c => c >= info.NumClasses);
        if (ActiveForgetClass is { } a && a >= info.NumClasses) ActiveForgetClass = _open.Count > 0 ? _open[0] : null;
        ModelA = ModelB = null;
    }

    public void SetArchitecture(string id)
    {
        var arch = ModelCatalog.Get(id);
        if (arch.Id == Architecture) return;
        Architecture = arch.Id;
        ModelA = ModelB = null;
    }

    /// <summary>Opens (or re-activates) a forget-class tab and makes it active; Model A/B are reset to the defaults.</summary>
    public void OpenForgetClass(int fc)
    {
        if (fc < 0 || fc >= DatasetInfo.NumClasses) throw new ArgumentOutOfRangeException(nameof(fc), $"Forget class {fc} is out of range 0..{DatasetInfo.NumClasses - 1}.");
        if (!_open.Contains(fc)) { _open.Add(fc); _open.Sort(); }
        Activate(fc);
    }

    public void Activate(int fc)
    {
        if (!_open.Contains(fc) || ActiveForgetClass == fc) return;
        ActiveForgetClass = fc;
        ModelA = ModelB = null;
    }

    /// <summary>
    /// Closes a tab (docs/views.md, "Header and forget-class tabs"): closing the active tab activates the first remaining tab (the second when the
    /// first was closed); closing the last leaves no active class.
    /// </summary>
    public void CloseForgetClass(int fc)
    {
        int index = _open.IndexOf(fc);
        if (index < 0) return;
        _open.RemoveAt(index);
        if (ActiveForgetClass != fc) return;
        ActiveForgetClass = _open.Count > 0 ? _open[0] : null;
        ModelA = ModelB = null;
    }

    /// <summary>The query parameters that describe this state (null values are removed from the URL).</summary>
    public Dictionary<string, object?> ToQuery() => new()
    {
        [DatasetKey] = Dataset,
        [ArchitectureKey] = Architecture,
        [ForgetClassKey] = ActiveForgetClass is { } a
            ? string.Join(",", new[] { a }.Concat(_open.Where(c => c != a)).Select(c => c.ToString(CultureInfo.InvariantCulture)))
            : null,
        [ModelAKey] = ActiveForgetClass is null ? null : ModelA,
        [ModelBKey] = ActiveForgetClass is null ? null : ModelB,
        [ViewKey] = View == ComparisonView.Contrast ? null : View.ToString().ToLowerInvariant(),
    };

    /// <summary>Restores the state from query values; unknown or malformed values are ignored (defaults stay).</summary>
    public void Apply(Func<string, string?> query)
    {
        if (DatasetCatalog.TryGet(query(DatasetKey)) is { } d) Dataset = d.Id;
        if (ModelCatalog.TryGet(query(ArchitectureKey)) is { } m) Architecture = m.Id;
        _open.Clear();
        ActiveForgetClass = null;
        var classes = (query(ForgetClassKey) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : -1)
            .Where(c => c >= 0 && c < DatasetInfo.NumClasses)
            .ToList();
        foreach (var c in classes.Distinct()) _open.Add(c);
        _open.Sort();
        if (classes.Count > 0) ActiveForgetClass = classes[0];
        ModelA = ActiveForgetClass is null ? null : NullIfEmpty(query(ModelAKey));
        ModelB = ActiveForgetClass is null ? null : NullIfEmpty(query(ModelBKey));
        if (ModelA is not null && ModelA == ModelB) ModelB = null;
        View = string.Equals(query(ViewKey), "attack", StringComparison.OrdinalIgnoreCase) ? ComparisonView.Attack : ComparisonView.Contrast;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
