using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Web.Browser;

/// <summary>
/// The reported break (points with image index −5 and x = 1e308 ended every viewer's circuit) in a real browser: a
/// stored result that bypassed the import checks is opened as Model A; the Contrast and Attack views stay alive,
/// draw the rest, show a note, and log no console error.
/// </summary>
[Collection("Torch")]
public class HostileResultsBrowserTests
{
    private const string Dataset = "fashion-mnist", Architecture = "resnet18";
    private const int ForgetClass = 1, K = 10;

    [Fact]
    public async Task A_stored_result_with_absurd_numbers_leaves_the_views_alive_with_a_note()
    {
        using var app = new AppHost();
        var store = app.Factory.Services.GetRequiredService<ExperimentStore>();
        void Add(string id, ExperimentType type, ExperimentResults r)
        {
            store.Add(new Experiment
            {
                Id = id, Dataset = Dataset, Architecture = Architecture, ForgetClass = ForgetClass, Type = type, Method = type == ExperimentType.Unlearned ? "FineTuning" : null,
                Status = ExperimentStatus.Ready, CreatedUtc = DateTime.UtcNow, UA = 0.1, RA = 0.9, TUA = 0.1, TRA = 0.9,
                ResultsPath = store.Artifacts.Relative(ResultsDocument.Save(store.Artifacts, id, r)),
            });
        }
        var hostile = Results(3);
        hostile.Points[0].Img = -5;
        hostile.Points[1].X = 1e308;
        hostile.Points[2].Y = -1e300;
        hostile.Accs[2] = 7;
        hostile.LabelDist[0][0] = 1e308;
        hostile.Attack!.Values[0] = new AttackValue(-1, 0.5, 1e308); // NaN cannot be stored (the JSON writer refuses it)
        Add(ExperimentIds.Original(Dataset, Architecture, ForgetClass), ExperimentType.Original, Results(1));
        Add(ExperimentIds.Retrained(Dataset, Architecture, ForgetClass), ExperimentType.Retrained, Results(2));
        Add("bad1", ExperimentType.Unlearned, hostile);
        Add("good1", ExperimentType.Unlearned, Results(4));

        await using var session = await BrowserSession.OpenAsync();
        var page = session.Page;

        await page.GotoAsync($"{app.BaseUrl}/?dataset={Dataset}&architecture={Architecture}&forgetClass={ForgetClass}&modelA=bad1&modelB=good1");
        var plots = page.Locator(".uc-embedding-plot");
        await Assertions.Expect(plots).ToHaveCountAsync(2);
        // Model A's plot draws the 1,997 drawable points and says that 3 were left out.
        await page.WaitForFunctionAsync("() => { const gd = document.getElementById('uc-embedding-a'); return gd && gd.data && gd.data[0].x.length === 1997; }");
        await Assertions.Expect(plots.Nth(0).Locator(".uc-plot-note")).ToContainTextAsync("3 stored values were not a drawable number");
        await Assertions.Expect(page.Locator(".uc-plot-note").Filter(new() { HasText = "out of range" }).First).ToBeVisibleAsync();

        // The circuit is still alive: switching to the Attack view works.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Attack" }).ClickAsync();
        await Assertions.Expect(page.Locator(".uc-attack-side[data-side='A']")).ToContainTextAsync("Privacy Score");
        // The attack value with image −1 and confidence 1e308 is left out of side A, and the side says so.
        await Assertions.Expect(page.Locator(".uc-plot-note").Filter(new() { HasText = "1 stored value was not a drawable number and is left out." })).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        session.AssertNoErrors();
    }

    private static ExperimentResults Results(int seed)
    {
        var rng = new Random(seed);
        double[][] Diagonal(double d) => [.. Enumerable.Range(0, K).Select(i => Enumerable.Range(0, K).Select(j => i == j ? d : (1 - d) / (K - 1)).ToArray())];
        List<AttackCurvePoint> Curve(double lo, double step) =>
            [.. Enumerable.Range(0, 51).Select(i => new AttackCurvePoint(lo + i * step, 1 - i / 50.0, i / 50.0, 0.5 * Math.Sin(Math.PI * i / 50.0)))];
        return new ExperimentResults
        {
            Accs = [.. Enumerable.Range(0, K).Select(c => c == ForgetClass ? 0.1 : 0.9)],
            TAccs = [.. Enumerable.Range(0, K).Select(c => c == ForgetClass ? 0.1 : 0.88)],
            LabelDist = Diagonal(0.9), ConfDist = Diagonal(0.8), TLabelDist = Diagonal(0.85), TConfDist = Diagonal(0.75),
            Points = [.. Enumerable.Range(0, 2000).Select(i => new SubsetPoint
            {
                Img = i * 7, Gt = i % K, Pred = i % K, IsForget = i % K == ForgetClass,
                X = 10 * Math.Cos(2 * Math.PI * (i % K) / K + seed) + rng.NextDouble(), Y = 10 * Math.Sin(2 * Math.PI * (i % K) / K + seed) + rng.NextDouble(),
                Probs = [.. Enumerable.Range(0, K).Select(c => c == i % K ? 0.91 : 0.01)],
            })],
            Attack = new AttackData
            {
                Values = [.. Enumerable.Range(0, 200).Select(i => new AttackValue(ForgetClass + i * K, rng.NextDouble() * 2.5, rng.NextDouble() * 12 - 2.5))],
                Results = new()
                {
                    ["entropy_above_unlearn"] = Curve(0, 0.05),
                    ["entropy_above_retrain"] = Curve(0, 0.05),
                    ["confidence_above_retrain"] = Curve(-2.5, 0.25),
                    ["confidence_above_unlearn"] = Curve(-2.5, 0.25),
                },
            },
        };
    }
}
