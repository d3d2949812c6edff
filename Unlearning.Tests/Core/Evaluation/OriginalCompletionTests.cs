using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Cka;
using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Tests.Core.Evaluation;

/// <summary>The metric steps that complete the Original's document against the Retrained model, on hand-made values.</summary>
public class OriginalCompletionTests
{
    [Fact]
    public void Transpose_swaps_rows_and_columns_and_keeps_an_empty_matrix()
    {
        double[][] m = [[1, 2, 3], [4, 5, 6]];
        Assert.Equal([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]], CkaSymmetry.Transpose(m));
        Assert.Empty(CkaSymmetry.Transpose([]));
    }

    [Fact]
    public void Cka_result_transposes_all_four_matrices_and_keeps_the_layers()
    {
        var c = new CkaResult
        {
            Layers = ["conv1", "fc"],
            Train = new CkaSplit { ForgetClass = [[1, 2], [3, 4]], OtherClasses = [[5, 6], [7, 8]] },
            Test = new CkaSplit { ForgetClass = [[0.1, 0.2], [0.3, 0.4]], OtherClasses = [[0.5, 0.6], [0.7, 0.8]] },
        };
        var t = CkaSymmetry.Transpose(c);
        Assert.Equal(["conv1", "fc"], t.Layers);
        Assert.Equal([[1.0, 3.0], [2.0, 4.0]], t.Train.ForgetClass);
        Assert.Equal([[5.0, 7.0], [6.0, 8.0]], t.Train.OtherClasses);
        Assert.Equal([[0.1, 0.3], [0.2, 0.4]], t.Test.ForgetClass);
        Assert.Equal([[0.5, 0.7], [0.6, 0.8]], t.Test.OtherClasses);
    }

    [Fact]
    public void Matched_privacy_score_is_null_without_matched_sets()
    {
        Assert.Null(PrivacyScore.Matched([1, 2], [1, 2], [], []));
        Assert.Null(PrivacyScore.Matched([1, 2], [1, 2], [1], [1]));
    }

    [Fact]
    public void Matched_privacy_score_is_0_for_separable_sets_and_1_for_identical_ones()
    {
        // Entropy 2 vs 0: at τ = 1 "above ⇒ unlearned" has FPR = FNR = 0, attack score 1, so PS = 1 − 1 = 0.
        Assert.Equal(0, PrivacyScore.Matched([2, 2], [5, 5], [0, 0], [5, 5])!.Value, 12);
        // Identical values: every threshold has FPR = 1 (τ ≤ value) or FNR = 1 (τ > value), attack score 0, PS 1.
        Assert.Equal(1, PrivacyScore.Matched([1, 1], [3, 3], [1, 1], [3, 3])!.Value, 12);
    }

    [Fact]
    public void Completion_fills_the_subset_curves_the_transposed_cka_and_returns_the_matched_ps()
    {
        var original = new ExperimentResults
        {
            Attack = new AttackData { Values = [new(10, 2.0, 5.0), new(11, 2.0, 5.0)] },
            ForgetEntropy = [1, 1], ForgetConfidence = [3, 3],
        };
        var retrained = new ExperimentResults
        {
            Attack = new AttackData { Values = [new(10, 0.0, 5.0), new(11, 0.0, 5.0)] },
            ForgetEntropy = [1, 1], ForgetConfidence = [3, 3],
            Cka = new CkaResult { Layers = ["a", "b"], Train = new CkaSplit { ForgetClass = [[1, 2], [3, 4]] } },
        };

        double? ps = OriginalCompletion.Complete(original, retrained);

        Assert.Equal(1, ps!.Value, 12);
        Assert.Equal(AttackData.CurveKeys, original.Attack!.Results.Keys);
        Assert.All(original.Attack.Results.Values, c => Assert.Equal(AttackScore.ThresholdCount, c.Count));
        var aboveUnlearn = original.Attack.Results[AttackData.EntropyAboveUnlearn];
        // τ = 0: both sets are ≥ τ, FPR = 1, attack score 0. τ = 1 (index 20): only the Original's 2.0s, attack score 1.
        Assert.Equal((0.0, 1.0, 0.0, 0.0), (aboveUnlearn[0].Threshold, aboveUnlearn[0].Fpr, aboveUnlearn[0].Fnr, aboveUnlearn[0].AttackScore));
        Assert.Equal((1.0, 0.0, 0.0, 1.0), (aboveUnlearn[20].Threshold, aboveUnlearn[20].Fpr, aboveUnlearn[20].Fnr, aboveUnlearn[20].AttackScore));
        Assert.Equal([[1.0, 3.0], [2.0, 4.0]], original.CkaRetrain!.Train.ForgetClass);
    }

    [Fact]
    public void Completion_leaves_the_curves_alone_without_attack_values_and_returns_null_without_signals()
    {
        var original = new ExperimentResults();
        Assert.Null(OriginalCompletion.Complete(original, new ExperimentResults()));
        Assert.Null(original.Attack);
        Assert.Null(original.CkaRetrain);
    }

    [Fact]
    public void Stored_curves_round_trip_to_typed_curves_and_a_missing_key_gives_none()
    {
        var curves = PrivacyScore.SubsetCurves([new(1, 2.0, 5.0)], [new(1, 0.0, 5.0)]);
        var data = new AttackData { Results = AttackData.ToStored(curves) };
        var back = data.Curves()!;
        Assert.Equal(curves.EntropyAboveUnlearn, back.EntropyAboveUnlearn);
        Assert.Equal(curves.ConfidenceAboveUnlearn, back.ConfidenceAboveUnlearn);
        data.Results.Remove(AttackData.ConfidenceAboveRetrain);
        Assert.Null(data.Curves());
    }
}
