using System.Globalization;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Results;

namespace Unlearning.Web.Components.Screen;

/// <summary>Columns of the screening table that hold numbers and can be sorted.</summary>
public enum TableColumn { Epoch, BatchSize, LearningRate, UA, RA, TUA, TRA, RT, PS, Gap, MIA, MiaR, FQ, Notes }

/// <summary>Where a row sits among the runs of one configuration (docs/forget-sets.md, "Groups").</summary>
public enum RowRole
{
    /// <summary>A configuration with one run.</summary>
    Single,
    /// <summary>The row of a group of runs that differ only by seed: its cells show mean ± std.</summary>
    GroupHead,
    /// <summary>One run of an expanded group, under its head.</summary>
    Member,
}

/// <summary>Header click cycle (docs/views.md, "Screening table"): off → descending → ascending → off.</summary>
public enum SortDirection { None, Descending, Ascending }

/// <summary>A metric cell: its text, background and whether the text is white on a dark cell.</summary>
public sealed record MetricCell(string Text, string? Background, bool WhiteText)
{
    /// <summary>Hover text with what the cell's number is made of (forgetting quality: score, ceiling, K).</summary>
    public string? Title { get; init; }

    public string Style => Background is null ? "" : $"background:{Background};color:{(WhiteText ? "#fff" : "#222")}";
}

/// <summary>One rendered row of the screening table (a group head stands for its runs; <see cref="Experiment"/> is its first run).</summary>
public sealed record ExperimentRow(
    Experiment Experiment,
    string Id,
    string Base,
    string Method,
    string Epoch,
    string BatchSize,
    string LearningRate,
    IReadOnlyDictionary<TableColumn, MetricCell> Metrics)
{
    public RowRole Role { get; init; } = RowRole.Single;
    /// <summary>The group's configuration key (<see cref="RunGroups.ConfigurationKey"/>).</summary>
    public string GroupKey { get; init; } = "";
    /// <summary>The group's runs (one for a single row).</summary>
    public IReadOnlyList<Experiment> Runs { get; init; } = [];
    /// <summary>"seed 3", or for a head "3 seeds: 1, 2, 3".</summary>
    public string SeedText { get; init; } = "";
    /// <summary>
    /// Whether the row's results were measured against replaced references (docs/results-format.md, "Stale results"): a run's
    /// own status; a group head's is stale when its group holds stale runs (its reason says how many).
    /// </summary>
    public StaleStatus Stale { get; init; } = StaleStatus.Current;
}

/// <summary>
/// View model of the Model Screening table (docs/views.md, "Screening table"): the cell colours of the original's sequential scales,
/// header sorting with N/A rows last, and the method filter. Plain C# so that tests need no browser.
/// </summary>
public sealed class ExperimentTableModel
{
    public static readonly TableColumn[] MetricColumns = [TableColumn.UA, TableColumn.RA, TableColumn.TUA, TableColumn.TRA, TableColumn.RT, TableColumn.PS, TableColumn.MIA, TableColumn.MiaR, TableColumn.Gap, TableColumn.FQ];

    /// <summary>Distance of the MIA AUC from 0.5 at which its Oranges scale reaches its lightest colour.</summary>
    public const double MiaDomain = 0.2;

    /// <summary>Gap to Retrained at which its Greens scale reaches its lightest colour.</summary>
    public const double GapDomain = 0.1;

    /// <summary>RT (seconds) at which the Blues scale reaches its lightest colour.</summary>
    public const double RtDomainSeconds = 160;

    private readonly Func<string?, string> _methodName;

    /// <param name="methodDisplayName">Maps a stored method name to its display name (null = baseline, shown "-").</param>
    public ExperimentTableModel(Func<string?, string>? methodDisplayName = null) =>
        _methodName = methodDisplayName ?? (m => m ?? "-");

    public TableColumn? SortColumn { get; private set; }
    public SortDirection Direction { get; private set; }

    /// <summary>Stored method names to show; empty = all. Baselines are always shown (they are the reference).</summary>
    public HashSet<string> MethodFilter { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Columns the user hid with the column chooser (docs/views.md, "Screening table"); hidden columns are not exported either.</summary>
    /// The Notes column starts hidden (the table is already wider than its region at 1440 px).
    public HashSet<TableColumn> HiddenColumns { get; } = [TableColumn.Notes];

    public bool IsVisible(TableColumn column) => !HiddenColumns.Contains(column);

    /// <summary>
    /// Free-text filter: a run is shown when every word of the text occurs (case-insensitively) in its id, type,
    /// method (stored or display name) or hyperparameters (<c>"learning_rate":0.01</c> matches "0.01" and
    /// "learning_rate"). Baselines are always shown, as with the method filter. Empty = no filter.
    /// </summary>
    public string TextFilter { get; set; } = "";

    /// <summary>Whether <paramref name="e"/> passes <see cref="TextFilter"/>.</summary>
    public bool MatchesText(Experiment e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var words = TextFilter.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0 || e.IsBaseline) return true;
        string haystack = string.Join(" ", e.Id, ExperimentIds.Display(e.Id), e.Type, e.Method ?? "", _methodName(e.Method), e.HyperparametersJson, e.Notes ?? "",
            e.Epochs?.ToString(CultureInfo.InvariantCulture) ?? "", e.BatchSize?.ToString(CultureInfo.InvariantCulture) ?? "",
            e.LearningRate?.ToString("R", CultureInfo.InvariantCulture) ?? "");
        return words.All(w => haystack.Contains(w, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The visible rows as CSV (RFC 4180: comma-separated, fields with a comma, quote or line break quoted, quotes
    /// doubled): id, type, base, method, hyperparameters JSON, seed, then the visible numeric columns at full precision
    /// (round-trip "R" format, empty for N/A; a group head exports its runs, each on its own line), and the row's notes.
    /// </summary>
    public string Csv(IReadOnlyList<ExperimentRow> rows, IReadOnlyList<Experiment> all)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(all);
        var reference = RunGroups.RetrainedMeans(all.Where(e => e.Type == ExperimentType.Retrained));
        var columns = new[] { TableColumn.Epoch, TableColumn.BatchSize, TableColumn.LearningRate }.Concat(MetricColumns).Where(IsVisible).ToList();
        var sb = new System.Text.StringBuilder();
        const bool notes = true; // the user's own text: always exported
        sb.Append(string.Join(",", new[] { "id", "type", "base", "method", "hyperparameters", "seed" }.Concat(columns.Select(CsvName)).Concat(notes ? ["notes"] : []))).Append("\r\n");
        var seen = new HashSet<string>();
        foreach (var row in rows)
        {
            var runs = row.Role == RowRole.GroupHead ? row.Runs : [row.Experiment];
            foreach (var e in runs)
            {
                if (!seen.Add(e.Id)) continue;
                var fields = new List<string>
                {
                    e.Id, e.Type.ToString(), e.BaseId ?? "", e.Method ?? "", e.HyperparametersJson, e.Seed?.ToString(CultureInfo.InvariantCulture) ?? "",
                };
                foreach (var c in columns)
                {
                    double? v = c switch
                    {
                        TableColumn.Epoch => e.Epochs,
                        TableColumn.BatchSize => e.BatchSize,
                        TableColumn.LearningRate => e.LearningRate,
                        TableColumn.Gap => RunGroups.Gap(e, reference),
                        TableColumn.FQ => FqOf(RunGroups.ConfigurationKey(e))?.F,
                        _ => ValueOf(e, c),
                    };
                    fields.Add(v is double d && double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "");
                }
                if (notes) fields.Add(e.Notes ?? "");
                sb.Append(string.Join(",", fields.Select(CsvField))).Append("\r\n");
            }
        }
        return sb.ToString();
    }

    private static string CsvName(TableColumn c) => c switch
    {
        TableColumn.BatchSize => "batch_size",
        TableColumn.LearningRate => "learning_rate",
        TableColumn.MiaR => "mia_r",
        _ => c.ToString().ToLowerInvariant(),
    };

    private static string CsvField(string f) =>
        f.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : f;

    /// <summary>Advances the header click cycle: a new column starts descending.</summary>
    public void ToggleSort(TableColumn column)
    {
        if (SortColumn != column) { SortColumn = column; Direction = SortDirection.Descending; return; }
        Direction = Direction switch { SortDirection.Descending => SortDirection.Ascending, _ => SortDirection.None };
        if (Direction == SortDirection.None) SortColumn = null;
    }

    public SortDirection DirectionOf(TableColumn column) => SortColumn == column ? Direction : SortDirection.None;

    /// <summary>The newest forgetting-quality result per group key (docs/metrics.md, "Forgetting quality").</summary>
    public IReadOnlyDictionary<string, ForgettingQualityRecord> ForgettingQuality { get; set; } = new Dictionary<string, ForgettingQualityRecord>();

    /// <summary>
    /// False (the default): stale runs (docs/results-format.md, "Stale results") form groups of their own, apart from the
    /// current runs of their configuration, and a forgetting-quality result that scored a stale run is not shown. True: the
    /// user asked to count them with the current runs.
    /// </summary>
    public bool IncludeStale { get; set; }

    /// <summary>Groups whose runs are listed under their head row.</summary>
    public HashSet<string> ExpandedGroups { get; } = [];

    public void ToggleGroup(string key)
    {
        if (!ExpandedGroups.Remove(key)) ExpandedGroups.Add(key);
    }

    /// <summary>
    /// Filters, groups, sorts and formats the experiments (given in the store's default order). Runs of one
    /// configuration that differ only by seed become one head row with mean ± std (sorted and coloured by the mean)
    /// and, when expanded, their own rows under it. Every row's gap to Retrained is measured against the mean of the
    /// Retrained models among <paramref name="experiments"/> (docs/forget-sets.md, "Gap to Retrained").
    /// </summary>
    public IReadOnlyList<ExperimentRow> Rows(IReadOnlyList<Experiment> experiments)
    {
        var reference = RunGroups.RetrainedMeans(experiments.Where(e => e.Type == ExperimentType.Retrained));
        var filtered = experiments.Where(e => (MethodFilter.Count == 0 || e.IsBaseline || (e.Method is { } m && MethodFilter.Contains(m))) && MatchesText(e));
        _stale = StaleReferences.Assess(experiments);
        IEnumerable<RunGroup> groups = RunGroups.Group(filtered, IncludeStale ? null : StaleOf);
        if (SortColumn is { } col && Direction != SortDirection.None)
        {
            // N/A last in both directions; OrderBy is stable, so ties keep the default order.
            var keyed = groups.Select(g => (g, v: col == TableColumn.FQ ? FqOf(g.Key)?.F : GroupValue(g, col, reference))).ToList();
            var withValue = keyed.Where(x => x.v is not null);
            withValue = Direction == SortDirection.Descending ? withValue.OrderByDescending(x => x.v) : withValue.OrderBy(x => x.v);
            groups = withValue.Concat(keyed.Where(x => x.v is null)).Select(x => x.g);
        }
        double maxTra = experiments.Select(e => e.TRA).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(1).Max();
        var rows = new List<ExperimentRow>();
        foreach (var g in groups)
        {
            if (!g.IsGroup)
            {
                rows.Add(RunRow(g.First, g, RowRole.Single, reference, maxTra));
                continue;
            }
            int staleRuns = g.Runs.Count(StaleOf);
            var head = RunRow(g.First, g, RowRole.GroupHead, reference, maxTra) with
            {
                Stale = staleRuns == 0 ? StaleStatus.Current : new StaleStatus(true, staleRuns == g.Runs.Count
                    ? $"All {g.Runs.Count} runs of this group are stale; they are grouped apart from current runs. {Reason(g.First)}"
                    : $"{staleRuns} of the {g.Runs.Count} runs of this group are stale and counted in its statistics because you asked."),
                Id = $"{ExperimentIds.Display(g.First.Id)} +{g.Runs.Count - 1}",
                SeedText = $"{g.Runs.Count} seeds: {string.Join(", ", g.Runs.Select(r => r.Seed?.ToString(CultureInfo.InvariantCulture) ?? "-"))}",
                Metrics = MetricColumns.ToDictionary(c => c, c => c == TableColumn.FQ ? FqCell(g.Key) : GroupCell(c, g, reference, maxTra)),
            };
            rows.Add(head);
            if (ExpandedGroups.Contains(g.Key))
                rows.AddRange(g.Runs.Select(r => RunRow(r, g, RowRole.Member, reference, maxTra)));
        }
        return rows;
    }

    private IReadOnlyDictionary<string, StaleStatus> _stale = new Dictionary<string, StaleStatus>();

    private bool StaleOf(Experiment e) => _stale.TryGetValue(e.Id, out var s) && s.IsStale;

    private string Reason(Experiment e) => _stale.TryGetValue(e.Id, out var s) ? s.Reason ?? "" : "";

    private ExperimentRow RunRow(Experiment e, RunGroup g, RowRole role, RetrainedReference? reference, double maxTra) => new(
        e,
        ExperimentIds.Display(e.Id),
        e.BaseId is null ? "-" : ExperimentIds.Display(e.BaseId),
        e.Type == ExperimentType.Retrained || e.Method is null ? "-" : _methodName(e.Method),
        Format(e.Epochs),
        Format(e.BatchSize),
        e.LearningRate is { } lr ? lr.ToString("G4", CultureInfo.InvariantCulture) : "-",
        MetricColumns.ToDictionary(c => c, c => c == TableColumn.FQ
            ? role == RowRole.Member ? Cell(c, null, maxTra) : FqCell(g.Key)
            : Cell(c, c == TableColumn.Gap ? RunGroups.Gap(e, reference) : ValueOf(e, c), maxTra)))
    {
        Role = role, GroupKey = g.Key, Runs = g.Runs,
        Stale = _stale.TryGetValue(e.Id, out var stale) ? stale : StaleStatus.Current,
        SeedText = e.Seed is { } s ? $"seed {s.ToString(CultureInfo.InvariantCulture)}" : "",
    };

    /// <summary>
    /// The newest forgetting-quality result of a group: none for a group of stale runs, nor one that scored a run that is
    /// stale now, unless <see cref="IncludeStale"/> (docs/results-format.md, "Stale results").
    /// </summary>
    private ForgettingQualityRecord? FqOf(string key)
    {
        if (key.EndsWith(RunGroups.StaleKeySuffix, StringComparison.Ordinal) || !ForgettingQuality.TryGetValue(key, out var r)) return null;
        if (IncludeStale) return r;
        string[] ids;
        try { ids = System.Text.Json.JsonSerializer.Deserialize<string[]>(r.UnlearnedIdsJson) ?? []; }
        catch (System.Text.Json.JsonException) { ids = []; }
        return ids.Any(id => _stale.TryGetValue(id, out var s) && s.IsStale) ? null : r;
    }

    /// <summary>
    /// The forgetting-quality cell of a group (or a single run's group): F, Oranges on [0 → 1] like PS; the hover text
    /// gives the utility-adjusted score, the Retrained-vs-Retrained ceiling and K. "-" when not computed.
    /// </summary>
    private MetricCell FqCell(string key)
    {
        if (FqOf(key) is not { } r || !double.IsFinite(r.F)) return Cell(TableColumn.FQ, null, 1);
        var cell = Cell(TableColumn.FQ, r.F, 1);
        string ceiling = r.CeilingF is { } c && double.IsFinite(c)
            ? $"ceiling (Retrained vs Retrained, K = {r.CeilingK}) {c.ToString("0.000", CultureInfo.InvariantCulture)}"
            : "no ceiling (needs 8 or more Retrained models)";
        return cell with
        {
            Text = r.CeilingF is { } cf && double.IsFinite(cf) ? $"{cell.Text} / {cf.ToString("0.00", CultureInfo.InvariantCulture)}" : cell.Text,
            Title = $"Forgetting quality F = {r.F.ToString("0.000", CultureInfo.InvariantCulture)} with K = {r.K} models per side; " +
                    $"score F × RA/RA_R × TA/TA_R = {r.Score.ToString("0.000", CultureInfo.InvariantCulture)}; {ceiling}.",
        };
    }

    /// <summary>The group's sort key and colour value: the mean over its runs (the first run's value for the hyperparameter columns).</summary>
    public static double? GroupValue(RunGroup g, TableColumn column, RetrainedReference? reference) => column switch
    {
        TableColumn.Epoch or TableColumn.BatchSize or TableColumn.LearningRate => ValueOf(g.First, column),
        TableColumn.Gap => RunGroups.GapStats(g, reference)?.Mean,
        _ => g.Stats(e => ValueOf(e, column))?.Mean,
    };

    /// <summary>A head row's cell: "mean ± std" (sample std over the runs), coloured by the mean.</summary>
    private static MetricCell GroupCell(TableColumn column, RunGroup g, RetrainedReference? reference, double maxTra)
    {
        var stats = column == TableColumn.Gap ? RunGroups.GapStats(g, reference) : g.Stats(e => ValueOf(e, column));
        var cell = Cell(column, stats?.Mean, maxTra);
        if (stats?.Std is not { } std) return cell;
        string format = column == TableColumn.RT ? "0.0" : "0.000";
        return cell with { Text = $"{cell.Text} ± {std.ToString(format, CultureInfo.InvariantCulture)}" };
    }

    public static double? ValueOf(Experiment e, TableColumn column) => column switch
    {
        TableColumn.Epoch => e.Epochs,
        TableColumn.BatchSize => e.BatchSize,
        TableColumn.LearningRate => e.LearningRate,
        TableColumn.UA => e.UA,
        TableColumn.RA => e.RA,
        TableColumn.TUA => e.TUA,
        TableColumn.TRA => e.TRA,
        TableColumn.RT => e.RT,
        TableColumn.PS => e.PS,
        TableColumn.MIA => e.MIA,
        TableColumn.MiaR => e.RetainMia,
        _ => null,
    };

    /// <summary>
    /// Colour of one metric cell (docs/views.md, "Screening table"): UA/TUA Greens on [0.2 → 0] (white text ≤ 0.1); RA Greens on
    /// [0.8 → 1] (white ≥ 0.92); TRA Greens on [0.8 → max TRA of the table] (white ≥ 0.92·max); RT Blues on
    /// [160 s → 0] (white ≤ 64 s); PS Oranges on [0 → 1] (white ≥ 0.6); Gap Greens on [0.1 → 0] (white ≤ 0.03);
    /// MIA and MIA-R Oranges on |AUC − 0.5| ∈ [0.2 → 0] (white ≤ 0.08); FQ Oranges on [0 → 1] (white ≥ 0.6).
    /// N/A cells are uncoloured and show "-".
    /// </summary>
    public static MetricCell Cell(TableColumn column, double? value, double maxTra)
    {
        if (value is not { } v || !double.IsFinite(v)) return new MetricCell("-", null, false);
        string text = column == TableColumn.RT ? v.ToString("0.0", CultureInfo.InvariantCulture) : v.ToString("0.000", CultureInfo.InvariantCulture);
        return column switch
        {
            TableColumn.UA or TableColumn.TUA => new(text, ColorScales.Cell(ColorScales.InterpolateGreens, (0.2 - v) / 0.2), v <= 0.1),
            TableColumn.RA => new(text, ColorScales.Cell(ColorScales.InterpolateGreens, (v - 0.8) / 0.2), v >= 0.92),
            TableColumn.TRA => new(text, ColorScales.Cell(ColorScales.InterpolateGreens, maxTra > 0.8 ? (v - 0.8) / (maxTra - 0.8) : (v >= maxTra ? 1 : 0)), v >= 0.92 * maxTra),
            TableColumn.RT => new(text, ColorScales.Cell(ColorScales.InterpolateBlues, (RtDomainSeconds - v) / RtDomainSeconds), v <= 64),
            TableColumn.PS => new(text, ColorScales.Cell(ColorScales.InterpolateOranges, v), v >= 0.6),
            TableColumn.Gap => new(text, ColorScales.Cell(ColorScales.InterpolateGreens, (GapDomain - v) / GapDomain), v <= 0.3 * GapDomain),
            // 0.5 (indistinguishable from the test set) is the darkest; either way from it is lighter.
            TableColumn.MIA or TableColumn.MiaR => new(text, ColorScales.Cell(ColorScales.InterpolateOranges, (MiaDomain - Math.Abs(v - 0.5)) / MiaDomain), Math.Abs(v - 0.5) <= 0.4 * MiaDomain),
            TableColumn.FQ => new(text, ColorScales.Cell(ColorScales.InterpolateOranges, v), v >= 0.6),
            _ => new(text, null, false),
        };
    }

    private static string Format(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
