using Microsoft.AspNetCore.Components;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Experiments;
using Unlearning.Web.Components.Contrast;
using Unlearning.Web.Components.Views;

namespace Unlearning.Web.Components.Attack;

/// <summary>
/// The Attack stage for the host page (see docs/metrics.md for the attack). Each side attacks its model against the Retrained model of
/// the forget set. Unlike the original (which asks for an unlearned model there), the Original is attacked too: its
/// stored attack values and curves against the Retrained model show how much the attack can tell before any
/// unlearning (docs/views.md, "Attack view"). Results load through <see cref="ExperimentResultsReader"/> unless given.
/// </summary>
public partial class AttackPanel : ComparisonPanelBase
{
    private static readonly int[] ImageSizes = [12, 16, 20, 24, 28, 42];

    private ComparedModel? modelA, modelB, retrained;
    private AttackSideData? dataA, dataB;
    private IReadOnlyList<string> classNames = [];
    private string? error;
    private int imageSize = 20;
    private (string?, string?, object?, object?, object?, string, string, string) loadedKey;

    /// <summary>The Retrained model's results when the caller already has them; skips loading.</summary>
    [Parameter] public ExperimentResults? RetrainedResults { get; set; }

    public AttackMetric Metric { get; private set; } = AttackMetric.Entropy;
    public ThresholdStrategy Strategy { get; private set; } = ThresholdStrategy.Custom;
    public double CustomThreshold { get; private set; } = AttackStrategies.DefaultThreshold(AttackMetric.Entropy);
    public AttackSideView? ViewA { get; private set; }
    public AttackSideView? ViewB { get; private set; }

    protected override async Task OnParametersSetAsync()
    {
        classNames = ClassNamesOf();
        var key = (ModelAId, ModelBId, (object?)ResultsA, (object?)ResultsB, (object?)RetrainedResults, Dataset, Architecture, ForgetSet);
        if (key == loadedKey && (retrained is not null || error is not null)) return;
        loadedKey = key;
        error = null;
        try
        {
            var a = Resolve(ModelAId, ResultsA);
            var b = Resolve(ModelBId, ResultsB);
            var r = RetrainedResults is not null
                ? Task.FromResult<ComparedModel?>(ExperimentResultsReader.DescribeRetrained(Dataset, Architecture, ForgetClass, RetrainedResults))
                : Reader.GetRetrainedAsync(Dataset, Architecture, ForgetSet);
            (modelA, modelB, retrained) = (await a, await b, await r);
        }
        catch (Exception ex) when (IsLoadFailure(ex))
        {
            (modelA, modelB, retrained, error) = (null, null, null, $"Could not load the results: {Api.ApiProblems.WithoutPaths(ex.Message)}");
        }
        dataA = SideData(modelA);
        dataB = SideData(modelB);
        // Switching models resets metric to entropy and strategy to Custom (docs/views.md, "Metric and strategies").
        Metric = AttackMetric.Entropy;
        Strategy = ThresholdStrategy.Custom;
        CustomThreshold = AttackStrategies.DefaultThreshold(Metric);
        Recompute();
    }

    private AttackSideData? SideData(ComparedModel? m) =>
        m is null || retrained is null ? null : AttackSideData.From(retrained, m);

    /// <summary>The threshold the strategy picks for a side (null when the side has no attack data).</summary>
    public double? ThresholdOf(ThresholdStrategy strategy, ModelSide side)
    {
        var (data, other, current) = side == ModelSide.A ? (dataA, dataB, ViewA) : (dataB, dataA, ViewB);
        if (data is null) return null;
        return AttackViewModel.ThresholdFor(strategy, Metric, data, other, CustomThreshold, current?.Threshold ?? CustomThreshold);
    }

    private string ThresholdText(ThresholdStrategy s, ModelSide side) => ThresholdOf(s, side) is double t ? Fmt.N(t, 2) : "–";

    private void Recompute()
    {
        double? ta = ThresholdOf(Strategy, ModelSide.A), tb = ThresholdOf(Strategy, ModelSide.B);
        ViewA = dataA is null || ta is null ? null : AttackViewModel.Build(dataA, Metric, ta.Value);
        ViewB = dataB is null || tb is null ? null : AttackViewModel.Build(dataB, Metric, tb.Value);
    }

    private void SetMetric(AttackMetric m)
    {
        Metric = m;
        CustomThreshold = AttackStrategies.DefaultThreshold(m);
        Recompute();
    }

    private void SetStrategy(ThresholdStrategy s)
    {
        Strategy = s;
        Recompute();
    }

    private void SetCustom(double v)
    {
        CustomThreshold = AttackStrategies.SnapThreshold(Metric, v);
        Recompute();
    }

    /// <summary>Picks the side's worst case: its metric, and Max Attack Score (docs/views.md, "Metric and strategies").</summary>
    private void WorstCase(ModelSide side)
    {
        var data = side == ModelSide.A ? dataA : dataB;
        if (data is null) return;
        var worst = AttackStrategies.WorstCase(data.Curves);
        Metric = worst.Metric;
        CustomThreshold = worst.Threshold;
        Strategy = ThresholdStrategy.MaxAttackScore;
        Recompute();
    }

    private static string StrategyTitle(ThresholdStrategy s) => s switch
    {
        ThresholdStrategy.Custom => "Custom Threshold",
        ThresholdStrategy.MaxAttackScore => "Max Attack Score",
        ThresholdStrategy.MaxSuccessRate => "Max Success Rate",
        _ => "Common Threshold",
    };

    private static string StrategyDescription(ThresholdStrategy s) => s switch
    {
        ThresholdStrategy.MaxAttackScore => "Per model, the threshold where the attack score (the stronger direction) peaks.",
        ThresholdStrategy.MaxSuccessRate => "Per model, the threshold that classifies the most samples correctly.",
        ThresholdStrategy.CommonThreshold => "One threshold for both models, maximising the sum of their attack scores.",
        _ => "Drag the dashed threshold line in either chart, or use the slider or the number field (snaps to the step).",
    };
}
