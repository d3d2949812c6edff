using Unlearning.Core.Evaluation.Privacy;
using static TorchSharp.torch;

namespace Unlearning.Tests.Core.Evaluation.Privacy;

[Collection("Torch")]
public class MiaSignalsTests
{
    [Fact]
    public void Entropy_of_uniform_logits_is_ln_K()
    {
        Assert.Equal(Math.Log(10), MiaSignals.Entropy(new double[10]), 12);
        Assert.Equal(Math.Log(10), MiaSignals.Entropy(Enumerable.Repeat(3.7f, 10).ToArray()), 6);
    }

    [Fact]
    public void Entropy_uses_temperature_two_by_default()
    {
        // z/T = [1, 0]: p = [e/(e+1), 1/(e+1)] = [0.7310586, 0.2689414]; H = 0.229014 + 0.353190.
        Assert.Equal(0.5822031, MiaSignals.Entropy(new[] { 2.0, 0.0 }), 6);
        Assert.Equal(0.5822031, MiaSignals.Entropy(new[] { 1.0, 0.0 }, temperature: 1.0), 6);
    }

    [Fact]
    public void Entropy_of_a_confident_prediction_is_near_zero()
    {
        Assert.True(MiaSignals.Entropy(new[] { 200.0, 0, 0, 0 }) < 1e-40);
    }

    [Fact]
    public void Confidence_is_the_logit_of_the_top_probability()
    {
        // p = [0.75, 0.25] → ln(0.75/0.25) = ln 3.
        Assert.Equal(Math.Log(3), MiaSignals.Confidence(new[] { Math.Log(3), 0.0 }), 12);
        // Uniform over 10 classes: ln(0.1/0.9) = −ln 9.
        Assert.Equal(-Math.Log(9), MiaSignals.Confidence(new double[10]), 12);
    }

    [Fact]
    public void Confidence_stays_exact_where_the_top_probability_rounds_to_one()
    {
        // p_max/(1 − p_max) = e^50 / 9 for logits [50, 0 × 9].
        var logits = new double[10];
        logits[3] = 50;
        Assert.Equal(50 - Math.Log(9), MiaSignals.Confidence(logits), 9);
        // Beyond the 1e-45 guard: 1 − p_max ≈ e^(−200) is replaced by ≈ 1e-45, so c ≈ −ln(1e-45) = 103.6.
        logits[3] = 200;
        Assert.Equal(-Math.Log(1e-45), MiaSignals.Confidence(logits), 3);
    }

    [Fact]
    public void Tensor_versions_match_the_row_versions()
    {
        var rows = new[] { new[] { 1f, 2f, 3f }, new[] { -5f, 0f, 5f }, new[] { 0f, 0f, 0f }, new[] { 30f, -2f, 1f } };
        using var logits = tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, 3 });
        var entropy = MiaSignals.Entropy(logits);
        var confidence = MiaSignals.Confidence(logits);
        var (entropy2, confidence2) = MiaSignals.Compute(logits);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(MiaSignals.Entropy(rows[i]), entropy[i], 12);
            Assert.Equal(MiaSignals.Confidence(rows[i]), confidence[i], 12);
            Assert.Equal(entropy[i], entropy2[i]);
            Assert.Equal(confidence[i], confidence2[i]);
        }
    }
}
