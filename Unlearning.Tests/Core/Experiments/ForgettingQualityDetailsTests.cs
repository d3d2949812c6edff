using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>The one consistency check of a stored per-example forgetting-quality file (used by the service and the view).</summary>
public sealed class ForgettingQualityDetailsTests
{
    private static ForgettingQualityDetails Valid(int k = 4) => new()
    {
        K = k, ForgetIndexes = [3, 7], Epsilon = [0, 1.5], Points = [1, 0.25],
        Unlearned = [.. Enumerable.Range(0, k).Select(m => new double[] { m, -m })],
        Retrained = [.. Enumerable.Range(0, k).Select(m => new double[] { 2.0 * m, 0.5 })],
    };

    [Fact]
    public void A_well_formed_file_fits_its_own_K_only()
    {
        Assert.True(Valid().IsConsistentWith(4));
        Assert.False(Valid().IsConsistentWith(8));
        Assert.False(Valid(k: 1).IsConsistentWith(1));
    }

    public static TheoryData<string> Damages => ["short epsilon", "short points", "missing row", "null row", "ragged row", "NaN phi", "infinite epsilon", "negative epsilon", "empty set", "null arrays"];

    [Theory]
    [MemberData(nameof(Damages))]
    public void Every_kind_of_damage_is_refused(string damage)
    {
        var d = Valid();
        switch (damage)
        {
            case "short epsilon": d.Epsilon = [0]; break;
            case "short points": d.Points = [1]; break;
            case "missing row": d.Retrained = d.Retrained[..3]; break;
            case "null row": d.Unlearned[2] = null!; break;
            case "ragged row": d.Retrained[1] = [1]; break;
            case "NaN phi": d.Unlearned[0][1] = double.NaN; break;
            case "infinite epsilon": d.Epsilon[1] = double.PositiveInfinity; break;
            case "negative epsilon": d.Epsilon[0] = -0.5; break;
            case "empty set": d.ForgetIndexes = []; d.Epsilon = []; d.Points = []; d.Unlearned = [.. d.Unlearned.Select(_ => Array.Empty<double>())]; d.Retrained = [.. d.Retrained.Select(_ => Array.Empty<double>())]; break;
            case "null arrays": d.Epsilon = null!; d.Unlearned = null!; break;
        }
        Assert.False(d.IsConsistentWith(4));
    }
}
