using System.Globalization;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Components.Screen;

/// <summary>Columns of the screening table that hold numbers and can be sorted.</summary>
public enum TableColumn { Epoch, BatchSize, LearningRate, UA, RA, TUA, TRA, RT, PS }

/// <summary>Header click cycle (docs/views.md, "Screening table"): off → descending → ascending → off.</summary>
public enum SortDirection { None, Descending, Ascending }

/// <summary>A metric cell: its text, background and whether the text is white on a dark cell.</summary>
public sealed record MetricCell(string Text, string? Background, bool WhiteText)
{
    public string Style => Background is null ? "" : $"background:{Background};color:{(WhiteText ? "#fff" : "#222")}";
}

/// <summary>One rendered row of the screening table.</summary>
public sealed record ExperimentRow(
    Experiment Experiment,
    string Id,
    string Base,
    string Method,
    string Epoch,
    string BatchSize,
    string LearningRate,
    IReadOnlyDictionary<TableColumn, MetricCell> Metrics);

/// <summary>
/// View model of the Model Screening table (docs/views.md, "Screening table"): the cell colours of the original's sequential scales,
/// header sorting with N/A rows last, and the method filter. Plain C# so that tests need no browser.
/// </summary>
public sealed class ExperimentTableModel
{
    public static readonly TableColumn[] MetricColumns = [TableColumn.UA, TableColumn.RA, TableColumn.TUA, TableColumn.TRA, TableColumn.RT, TableColumn.PS];

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

    /// <summary>Advances the header click cycle: a new column starts descending.</summary>
    public void ToggleSort(TableColumn column)
    {
        if (SortColumn != column) { SortColumn = column; Direction = SortDirection.Descending; return; }
        Direction = Direction switch { SortDirection.Descending => SortDirection.Ascending, _ => SortDirection.None };
        if (Direction == SortDirection.None) SortColumn = null;
    }

    public SortDirection DirectionOf(TableColumn column) => SortColumn == column ? Direction : SortDirection.None;

    /// <summary>Filters, sorts and formats the experiments (given in the store's default order).</summary>
    public IReadOnlyList<ExperimentRow> Rows(IReadOnlyList<Experiment> experiments)
    {
        IEnumerable<Experiment> rows = experiments.Where(e => MethodFilter.Count == 0 || e.IsBaseline || (e.Method is { } m && MethodFilter.Contains(m)));
        if (SortColumn is { } col && Direction != SortDirection.None)
        {
            // N/A last in both directions; OrderBy is stable, so ties keep the default order.
            var keyed = rows.Select(e => (e, v: ValueOf(e, col))).ToList();
            var withValue = keyed.Where(x => x.v is not null);
            withValue = Direction == SortDirection.Descending ? withValue.OrderByDescending(x => x.v) : withValue.OrderBy(x => x.v);
            rows = withValue.Concat(keyed.Where(x => x.v is null)).Select(x => x.e);
        }
        var list = rows.ToList();
        double maxTra = experiments.Select(e => e.TRA).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(1).Max();
        return [.. list.Select(e => new ExperimentRow(
            e,
            ExperimentIds.Display(e.Id),
            e.BaseId is null ? "-" : ExperimentIds.Display(e.BaseId),
            e.Type == ExperimentType.Retrained || e.Method is null ? "-" : _methodName(e.Method),
            Format(e.Epochs),
            Format(e.BatchSize),
            e.LearningRate is { } lr ? lr.ToString("G4", CultureInfo.InvariantCulture) : "-",
            MetricColumns.ToDictionary(c => c, c => Cell(c, ValueOf(e, c), maxTra))))];
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
        _ => null,
    };

    /// <summary>
    /// Colour of one metric cell (docs/views.md, "Screening table"): UA/TUA Greens on [0.2 → 0] (white text ≤ 0.1); RA Greens on
    /// [0.8 → 1] (white ≥ 0.92); TRA Greens on [0.8 → max TRA of the table] (white ≥ 0.92·max); RT Blues on
    /// [160 s → 0] (white ≤ 64 s); PS Oranges on [0 → 1] (white ≥ 0.6). N/A cells are uncoloured and show "-".
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
            _ => new(text, null, false),
        };
    }

    private static string Format(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
