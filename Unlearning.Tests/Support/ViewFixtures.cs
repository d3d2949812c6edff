using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Support;

/// <summary>
/// Small hand-made results (3 classes, forget class 0) whose expected chart values are worked out by hand in the tests.
/// </summary>
public static class ViewFixtures
{
    public const int ForgetClass = 0;

    public static ExperimentResults ModelA() => new()
    {
        Accs = [0.9, 0.8, 0.7],
        TAccs = [0.8, 0.9, 0.6],
        LabelDist = [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.0, 0.3, 0.7]],
        ConfDist = [[0.8, 0.1, 0.1], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7]],
        TLabelDist = [[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.001, 0.2, 0.799]],
        TConfDist = [[0.4, 0.3, 0.3], [0.1, 0.8, 0.1], [0.0, 0.25, 0.75]],
        Cka = Cka([[1.0, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]], [[0.9, 0, 0], [0, 0.6, 0], [0, 0, 0.3]]),
        CkaRetrain = Cka([[0.95, 0, 0], [0, 0.85, 0], [0, 0, 0.75]], [[0.5, 0, 0], [0, 0.4, 0], [0, 0, 0.2]]),
        Points = Points(),
        Attack = new AttackData
        {
            Values = [new(100, 0.22, 5.0), new(101, 0.41, 4.0), new(102, 1.33, 12.0)],
            Results = Curves(entropyUnlearnPeaks: [(30, 0.6)], entropyRetrainPeaks: [(10, 0.7)], confidenceUnlearnPeaks: [(20, 0.8)]),
        },
    };

    public static ExperimentResults ModelB()
    {
        var b = ModelA();
        b.Accs = [0.1, 0.85, 0.6];
        b.TAccs = [0.2, 0.7, 0.9];
        b.CkaRetrain = null;
        b.Attack = new AttackData
        {
            Values = [new(100, 0.22, 5.0), new(101, 0.41, 4.0), new(102, 1.33, 12.0)],
            Results = Curves(entropyUnlearnPeaks: [(20, 0.5), (30, 0.45)], entropyRetrainPeaks: [], confidenceUnlearnPeaks: []),
        };
        return b;
    }

    public static ExperimentResults Retrained()
    {
        var r = ModelA();
        r.Attack = new AttackData { Values = [new(100, 1.02, 0.5), new(101, 1.12, 1.0), new(102, 0.31, -3.0)], Results = [] };
        return r;
    }

    /// <summary>
    /// Six subset points, forget class 0: two forget samples predicted elsewhere (correctly forgotten), one still
    /// predicted 0 (not forgotten), one misclassified retain sample (overly forgotten), two correct retain samples.
    /// </summary>
    public static List<SubsetPoint> Points() =>
    [
        new() { Gt = 0, Pred = 0, Img = 100, IsForget = true, X = 0, Y = 0, Probs = [0.7, 0.2, 0.1] },
        new() { Gt = 0, Pred = 2, Img = 101, IsForget = true, X = 1, Y = 0, Probs = [0.2, 0.1, 0.7] },
        new() { Gt = 0, Pred = 1, Img = 102, IsForget = true, X = 2, Y = 0, Probs = [0.3, 0.6, 0.1] },
        new() { Gt = 1, Pred = 1, Img = 200, IsForget = false, X = 0, Y = 1, Probs = [0.1, 0.8, 0.1] },
        new() { Gt = 1, Pred = 2, Img = 201, IsForget = false, X = 1, Y = 1, Probs = [0.1, 0.3, 0.6] },
        new() { Gt = 2, Pred = 2, Img = 300, IsForget = false, X = 2, Y = 1, Probs = [0.0, 0.1, 0.9] },
    ];

    private static CkaResult Cka(double[][] other, double[][] forget) => new()
    {
        Layers = ["conv1", "layer1", "fc"],
        Train = new CkaSplit { OtherClasses = other, ForgetClass = forget },
        Test = new CkaSplit { OtherClasses = forget, ForgetClass = other },
    };

    /// <summary>
    /// The four stored curves with hand-set attack scores: everywhere "above ⇒ unlearn" scores 0.1 and
    /// "above ⇒ retrain" 0.05 (so the merged curve takes the unlearn direction), except at the given peaks.
    /// </summary>
    public static Dictionary<string, List<AttackCurvePoint>> Curves((int I, double S)[] entropyUnlearnPeaks, (int I, double S)[] entropyRetrainPeaks, (int I, double S)[] confidenceUnlearnPeaks)
    {
        List<AttackCurvePoint> Curve(double lo, double step, double baseline, (int I, double S)[] peaks) =>
            [.. Enumerable.Range(0, 51).Select(i => new AttackCurvePoint(lo + i * step, 0.4, 0.5,
                peaks.Where(p => p.I == i).Select(p => p.S).DefaultIfEmpty(baseline).First()))];
        return new()
        {
            ["entropy_above_unlearn"] = Curve(0, 0.05, 0.1, entropyUnlearnPeaks),
            ["entropy_above_retrain"] = Curve(0, 0.05, 0.05, entropyRetrainPeaks),
            ["confidence_above_retrain"] = Curve(-2.5, 0.25, 0.05, []),
            ["confidence_above_unlearn"] = Curve(-2.5, 0.25, 0.1, confidenceUnlearnPeaks),
        };
    }
}
