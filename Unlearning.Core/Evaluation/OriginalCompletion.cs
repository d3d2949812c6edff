using Unlearning.Core.Evaluation.Cka;
using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Core.Evaluation;

/// <summary>
/// The Original model is evaluated before the Retrained model of its forget class exists, so its document lacks
/// what is measured against the Retrained model. Once both are stored, this completes it from stored data alone:
/// the subset attack curves and the table's PS from the stored signals, and the CKA against the Retrained model as
/// the transpose of the Retrained model's CKA against the Original (see docs/metrics.md).
/// </summary>
public static class OriginalCompletion
{
    /// <summary>
    /// Fills <paramref name="original"/>'s subset attack curves (when both documents have attack values) and its
    /// CKA against the Retrained model (when <paramref name="retrained"/> has CKA against the Original); returns the
    /// Original's PS, or null when the forget-set signals are not matched.
    /// </summary>
    public static double? Complete(ExperimentResults original, ExperimentResults retrained)
    {
        if (original.Attack is not null && retrained.Attack is not null)
            original.Attack.Results = AttackData.ToStored(PrivacyScore.SubsetCurves(original.Attack.Values, retrained.Attack.Values));
        if (retrained.Cka is not null) original.CkaRetrain = CkaSymmetry.Transpose(retrained.Cka);
        return PrivacyScore.Matched(original.ForgetEntropy, original.ForgetConfidence, retrained.ForgetEntropy, retrained.ForgetConfidence);
    }
}
