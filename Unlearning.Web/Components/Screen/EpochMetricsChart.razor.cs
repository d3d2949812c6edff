using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace Unlearning.Web.Components.Screen;

/// <summary>
/// The per-epoch metrics charts of one or more experiments (docs/views.md, "Per-epoch metrics"): a standalone component; the
/// popover (<see cref="EpochMetricsPopover"/>) wraps it. Give it <see cref="Sources"/>; it never throws on a stored record.
/// </summary>
public partial class EpochMetricsChart
{
    /// <summary>The experiments to draw (one, or Model A and B overlaid); null entries and entries without metrics are skipped.</summary>
    [Parameter] public IReadOnlyList<EpochMetricsSource?>? Sources { get; set; }

    /// <summary>Element id prefix of the charts (one chart per metric group: <c>{Id}-0</c>, <c>{Id}-1</c>, …).</summary>
    [Parameter] public string Id { get; set; } = "epoch-metrics";

    /// <summary>Shown when there is nothing to draw.</summary>
    [Parameter] public string EmptyText { get; set; } = "This experiment has no per-epoch metrics (build it with \"Track per-epoch metrics\").";

    /// <summary>Height of each chart in pixels.</summary>
    [Parameter] public int ChartHeight { get; set; } = 230;

    public EpochMetricsChartModel Model { get; private set; } = EpochMetricsChartModel.Build([]);

    private IReadOnlyList<EpochMetricsSource?>? _drawn;
    private List<PanelView> _views = [];

    /// <summary>The Plotly state of one chart (bound two-way, as PlotlyChart requires).</summary>
    private sealed class PanelView
    {
        public Config Config = new() { Responsive = true, DisplayLogo = false, DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.False };
        public Plotly.Blazor.Layout Layout = new();
        public IList<ITrace> Data = [];
    }

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(_drawn, Sources) && _views.Count == Model.Panels.Count) return;
        _drawn = Sources;
        Model = EpochMetricsChartModel.Build(Sources);
        _views = [.. Model.Panels.Select(p => new PanelView { Layout = LayoutOf(p, ChartHeight), Data = Traces(p) })];
    }

    /// <summary>The Plotly traces of one panel: one scatter line per <see cref="EpochMetricsLine"/>, gaps where a value is null.</summary>
    public static IList<ITrace> Traces(EpochMetricsPanel panel) =>
    [
        .. panel.Lines.Select(l => (ITrace)new Scatter
        {
            Name = l.Name,
            Mode = ModeFlag.Lines | ModeFlag.Markers,
            X = [.. l.Epochs.Select(e => (object)e)],
            Y = [.. l.Values.Select(v => (object?)v)!],
            ConnectGaps = false,
            Line = new Line { Color = l.Color, Dash = l.Dash, Width = 1.5m },
            Marker = new Marker { Color = l.Color, Size = 6, Symbol = Symbol(l.Symbol) },
            HoverTemplate = $"{l.Name}<br>epoch %{{x}}: %{{y:.3f}}<extra></extra>",
        }),
    ];

    private static Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum Symbol(string name) => name switch
    {
        "x" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.X,
        "star" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Star,
        "square" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Square,
        "diamond" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Diamond,
        _ => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Circle,
    };

    private static Plotly.Blazor.Layout LayoutOf(EpochMetricsPanel panel, int height) => new()
    {
        Height = height,
        Margin = new Plotly.Blazor.LayoutLib.Margin { L = 44, R = 8, T = 8, B = 36 },
        ShowLegend = true,
        Legend = [new Plotly.Blazor.LayoutLib.Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = -0.25m }],
        XAxis = [new Plotly.Blazor.LayoutLib.XAxis
        {
            Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "Epoch" },
            Range = [-0.2, panel.MaxEpoch + 0.2],
            DTick = Math.Max(1, (int)Math.Ceiling(panel.MaxEpoch / 10.0)),
        }],
        YAxis = [new Plotly.Blazor.LayoutLib.YAxis
        {
            Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = panel.YLabel },
            Range = [-0.02, 1.02],
        }],
        PlotBgColor = "#fff",
        PaperBgColor = "#fff",
    };
}
