using System.Globalization;
using System.Text.RegularExpressions;
using Unlearning.Core.Data;
using Unlearning.Core.Models;

namespace Unlearning.Web.State;

/// <summary>Which main tab is shown: the embedding contrast, the attack simulation, the per-example privacy, the depth of forgetting or the runs map.</summary>
public enum ComparisonView { Contrast, Attack, Privacy, Depth, RunsMap }

/// <summary>
/// The page state of one browser tab (one Blazor circuit, registered scoped): dataset, architecture, open
/// forget-set tabs, the active one, Model A/B and the lower view. It is mirrored in the URL query so that a
/// comparison can be shared as a link (docs/views.md, "Shareable URL"):
/// <c>?dataset=fashion-mnist&amp;architecture=compact&amp;forgetClass=3,1&amp;modelA=…&amp;modelB=…&amp;view=attack</c>.
/// <c>forgetClass</c> lists the open class tabs with the active class first; when a sample forget set is open
/// (docs/forget-sets.md) <c>forgetSet</c> lists every open set's id instead (<c>class-3,s0123456789</c>).
/// Model ids are full experiment ids.
/// </summary>
public sealed partial class ComparisonState
{
    public const string DatasetKey = "dataset", ArchitectureKey = "architecture", ForgetClassKey = "forgetClass", ForgetSetKey = "forgetSet",
        ModelAKey = "modelA", ModelBKey = "modelB", ViewKey = "view";

    private readonly List<string> _open = [];

    public string Dataset { get; private set; } = DatasetCatalog.FashionMnist.Id;
    public string Architecture { get; private set; } = ModelCatalog.Compact.Id;
    /// <summary>Open forget-set tabs: class sets by class, then sample sets in the order they were opened.</summary>
    public IReadOnlyList<string> OpenForgetSets => _open;
    /// <summary>Open class tabs, ascending.</summary>
    public IReadOnlyList<int> OpenForgetClasses => [.. _open.Select(ClassOf).Where(c => c >= 0)];
    public string? ActiveForgetSet { get; private set; }
    /// <summary>The active tab's class when it is a class set; null for a sample set or no tab.</summary>
    public int? ActiveForgetClass => ActiveForgetSet is { } id && ForgetSets.TryParseClassId(id, out var c) ? c : null;
    public string? ModelA { get; set; }
    public string? ModelB { get; set; }
    public ComparisonView View { get; set; } = ComparisonView.Contrast;

    /// <summary>Jobs started from this tab: when one succeeds its experiment becomes Model B.</summary>
    public HashSet<long> StartedJobs { get; } = [];

    public DatasetInfo DatasetInfo => DatasetCatalog.Get(Dataset);

    /// <summary>Switches dataset (the open class tabs stay when the new dataset has those classes; sample sets belong to one dataset and close; A/B are reset).</summary>
    public void SetDataset(string id)
    {
        var info = DatasetCatalog.Get(id);
        if (info.Id == Dataset) return;
        Dataset = info.Id;
        _open.RemoveAll(s => ClassOf(s) is var c && (c < 0 || c >= info.NumClasses));
        if (ActiveForgetSet is { } a && !_open.Contains(a)) ActiveForgetSet = _open.Count > 0 ? _open[0] : null;
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
        OpenForgetSet(ForgetSets.ClassId(fc));
    }

    /// <summary>Opens (or re-activates) a forget-set tab; the caller has checked that the set exists.</summary>
    public void OpenForgetSet(string id)
    {
        if (!IsWellFormed(id)) throw new ArgumentException($"'{id}' is not a forget set id.", nameof(id));
        if (!_open.Contains(id)) { _open.Add(id); Sort(); }
        Activate(id);
    }

    public void Activate(int fc) => Activate(ForgetSets.ClassId(fc));

    public void Activate(string id)
    {
        if (!_open.Contains(id) || ActiveForgetSet == id) return;
        ActiveForgetSet = id;
        ModelA = ModelB = null;
    }

    public void CloseForgetClass(int fc) => CloseForgetSet(ForgetSets.ClassId(fc));

    /// <summary>
    /// Closes a tab (docs/views.md, "Header and forget-class tabs"): closing the active tab activates the first remaining tab (the second when the
    /// first was closed); closing the last leaves no active set.
    /// </summary>
    public void CloseForgetSet(string id)
    {
        int index = _open.IndexOf(id);
        if (index < 0) return;
        _open.RemoveAt(index);
        if (ActiveForgetSet != id) return;
        ActiveForgetSet = _open.Count > 0 ? _open[0] : null;
        ModelA = ModelB = null;
    }

    /// <summary>The query parameters that describe this state (null values are removed from the URL).</summary>
    public Dictionary<string, object?> ToQuery()
    {
        var ordered = ActiveForgetSet is { } a ? new[] { a }.Concat(_open.Where(s => s != a)).ToList() : [];
        bool classesOnly = ordered.All(s => ClassOf(s) >= 0);
        return new()
        {
            [DatasetKey] = Dataset,
            [ArchitectureKey] = Architecture,
            [ForgetClassKey] = ordered.Count > 0 && classesOnly ? string.Join(",", ordered.Select(s => ClassOf(s).ToString(CultureInfo.InvariantCulture))) : null,
            [ForgetSetKey] = ordered.Count > 0 && !classesOnly ? string.Join(",", ordered) : null,
            [ModelAKey] = ActiveForgetSet is null ? null : ModelA,
            [ModelBKey] = ActiveForgetSet is null ? null : ModelB,
            [ViewKey] = View == ComparisonView.Contrast ? null : View.ToString().ToLowerInvariant(),
        };
    }

    /// <summary>Restores the state from query values; unknown or malformed values are ignored (defaults stay).</summary>
    public void Apply(Func<string, string?> query)
    {
        if (DatasetCatalog.TryGet(query(DatasetKey)) is { } d) Dataset = d.Id;
        if (ModelCatalog.TryGet(query(ArchitectureKey)) is { } m) Architecture = m.Id;
        _open.Clear();
        ActiveForgetSet = null;
        var sets = query(ForgetSetKey) is { Length: > 0 } setList
            ? Split(setList).Where(IsWellFormed).ToList()
            : Split(query(ForgetClassKey) ?? "")
                .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : -1)
                .Where(c => c >= 0).Select(ForgetSets.ClassId).ToList();
        // Sample sets (class −1 here) stay; class sets must be classes of the dataset.
        sets = [.. sets.Where(s => ClassOf(s) < DatasetInfo.NumClasses).Distinct()];
        _open.AddRange(sets);
        Sort();
        if (sets.Count > 0) ActiveForgetSet = sets[0];
        ModelA = ActiveForgetSet is null ? null : NullIfEmpty(query(ModelAKey));
        ModelB = ActiveForgetSet is null ? null : NullIfEmpty(query(ModelBKey));
        if (ModelA is not null && ModelA == ModelB) ModelB = null;
        View = Enum.TryParse<ComparisonView>(query(ViewKey), ignoreCase: true, out var view) && Enum.IsDefined(view) && !int.TryParse(query(ViewKey), out _)
            ? view : ComparisonView.Contrast;
    }

    /// <summary>A class set's class, or −1 for a sample set id.</summary>
    private static int ClassOf(string id) => ForgetSets.TryParseClassId(id, out var c) ? c : -1;

    /// <summary>A class set id or a stored set's id shape (docs/forget-sets.md, "Ids and names"); says nothing about existence.</summary>
    public static bool IsWellFormed(string? id) => id is not null && (ForgetSets.TryParseClassId(id, out _) || SampleSetId().IsMatch(id));

    [GeneratedRegex("^s[0-9a-f]{10}$")]
    private static partial Regex SampleSetId();

    private void Sort()
    {
        var classes = _open.Where(s => ClassOf(s) >= 0).OrderBy(ClassOf).ToList();
        var samples = _open.Where(s => ClassOf(s) < 0).ToList();
        _open.Clear();
        _open.AddRange(classes);
        _open.AddRange(samples);
    }

    private static IEnumerable<string> Split(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
