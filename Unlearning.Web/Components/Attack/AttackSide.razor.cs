using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Contrast;
using Unlearning.Web.Components.Views;

namespace Unlearning.Web.Components.Attack;

/// <summary>
/// One side of the attack view. Geometry and data come from <see cref="AttackSideView"/> and
/// <see cref="ButterflyLayout"/>; the browser module <c>wwwroot/js/attack-side.js</c> handles the pointer: dragging the
/// threshold line (reported back through <see cref="OnThresholdDragged"/>), panning overflowing rows, and the hover
/// highlight, none of which needs a server round trip except the threshold itself.
/// </summary>
public partial class AttackSide : IAsyncDisposable
{
    private const double W = 620, H = 430, Top = 8, PlotH = 380, BflyLeft = 34, BflyW = 420, LineLeft = 462, LineW = 150;
    /// <summary>Room on each side of the butterfly's centre line.</summary>
    private const double HalfWidth = BflyW / 2 - 8;

    private bool showRetrained = true, showModel = true, showLegend = true;
    private int? selectedImg;
    private InstanceDetails? details;
    private ElementReference root;
    private IJSObjectReference? module;
    private DotNetObjectReference<AttackSide>? self;
    private ButterflyLayout? refreshedLayout;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Parameter, EditorRequired] public ModelSide Side { get; set; }
    [Parameter, EditorRequired] public AttackSideView View { get; set; } = default!;
    [Parameter, EditorRequired] public ComparedModel Model { get; set; } = default!;
    [Parameter, EditorRequired] public ComparedModel Retrained { get; set; } = default!;
    [Parameter] public ThresholdStrategy Strategy { get; set; }
    [Parameter] public string Dataset { get; set; } = "";
    [Parameter] public IReadOnlyList<string> ClassNames { get; set; } = [];
    [Parameter] public int ForgetClass { get; set; }
    /// <summary>Grid image size in px (12, 16, 20, 24, 28 or 42).</summary>
    [Parameter] public int ImageSize { get; set; } = 20;
    /// <summary>Receives the snapped threshold when the user drags the line (only under the Custom strategy).</summary>
    [Parameter] public EventCallback<double> OnThresholdChanged { get; set; }

    /// <summary>Whether the threshold line can be dragged: Custom strategy, and someone listens.</summary>
    public bool Draggable => Strategy == ThresholdStrategy.Custom && OnThresholdChanged.HasDelegate;

    /// <summary>The butterfly's circle size, spacing and pan bounds for the current view.</summary>
    public ButterflyLayout Layout => ButterflyLayout.For(View, HalfWidth, PlotH / (AttackScore.ThresholdCount - 1));

    private string Color => ViewColors.Model(Side);
    private string LightColor => ViewColors.ModelLight(Side);
    private string AxisName => View.Metric == AttackMetric.Entropy ? "Entropy" : "Top-1 Confidence";
    private string Highlight => Strategy == ThresholdStrategy.MaxAttackScore ? "score" : Strategy == ThresholdStrategy.Custom ? "" : "threshold";
    private string PredColor(bool model) => model ? Color : ViewColors.Retrained;

    private static readonly (string Name, string Color, Func<MergedAttackPoint, double> Select)[] Curves =
    [
        ("Attack Score", ViewColors.AttackScore, p => p.AttackScore),
        ("False Positive Rate", ViewColors.Fpr, p => p.Fpr),
        ("False Negative Rate", ViewColors.Fnr, p => p.Fnr),
    ];

    /// <summary>Circles on the side the attack attributes to the unlearned model are opaque, the others faded (docs/views.md, "Butterfly plot").</summary>
    private static bool Opaque(AttackSample s) => s.PredictedModel;

    private ThumbnailStrip? strip;
    private AttackSideView? stripView;

    /// <summary>The grids' thumbnails as one sprite strip (rebuilt when the view changes; the images stay the same set).</summary>
    private ThumbnailStrip Strip
    {
        get
        {
            if (strip is null || !ReferenceEquals(stripView, View))
            {
                var next = new ThumbnailStrip(View.Successes.Concat(View.Failures).Select(s => s.Img));
                if (strip is null || !strip.Images.SequenceEqual(next.Images)) strip = next;
                stripView = View;
            }
            return strip;
        }
    }

    private void Select(AttackSample s)
    {
        selectedImg = s.Img;
        if (Retrained.Results is { } r && Model.Results is { } m)
            details = InstanceDetails.Build(s.Img, r, "Retrained", m, $"Model {Side}", ClassNames);
    }

    /// <summary>
    /// Called by the browser while the threshold line is dragged, with the pointer's height as a fraction of the plot
    /// (0 = top); the threshold under it (snapped, clamped) goes to <see cref="OnThresholdChanged"/> when it differs.
    /// </summary>
    [JSInvokable]
    public Task OnThresholdDragged(double fractionFromTop)
    {
        if (!Draggable) return Task.CompletedTask;
        double threshold = AttackViewModel.ThresholdAtFraction(View.Metric, fractionFromTop);
        return Math.Abs(threshold - View.Threshold) < 1e-9 ? Task.CompletedTask : InvokeAsync(() => OnThresholdChanged.InvokeAsync(threshold));
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        try
        {
            if (firstRender)
            {
                module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/attack-side.js");
                self = DotNetObjectReference.Create(this);
                if (module is not null) await module.InvokeVoidAsync("attach", root, self);
                refreshedLayout = Layout;
            }
            else if (module is not null && Layout != refreshedLayout)
            {
                // New pan bounds (another metric or threshold): re-clamp the current pan.
                refreshedLayout = Layout;
                await module.InvokeVoidAsync("refresh", root);
            }
        }
        catch (JSDisconnectedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (module is not null)
            {
                await module.InvokeVoidAsync("detach", root);
                await module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException) { }
        self?.Dispose();
        GC.SuppressFinalize(this);
    }
}
