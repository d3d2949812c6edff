using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Unlearning.Core.Evaluation.Depth;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Experiments.Results;

namespace Unlearning.Tests.Web.Browser;

/// <summary>
/// The Privacy (per-example forgetting quality) and Depth (relearning + probes) tabs in a real browser, on the seeded
/// experiments of <see cref="ComparisonBrowserTests"/> plus a stored forgetting-quality result for Model A's group and
/// stored depth results for Model A, the Original and the Retrained model: both tabs draw their charts inside the
/// window without a page scroll at the common sizes, hovering a forget image shows both groups' statistics, and the
/// page logs no console error and no failed request.
/// </summary>
[Collection("Torch")]
public class PrivacyDepthBrowserTests
{
    private const string Dataset = "fashion-mnist", Architecture = "resnet18", ModelA = "5e1a";
    private const int ForgetClass = 1, K = 8;

    /// <summary>Twelve forget examples of class 1 (train indexes of that class in the shipped data), ε from 0 up to the cap.</summary>
    private static void SeedPrivacyAndDepth(AppHost app)
    {
        var store = app.Factory.Services.GetRequiredService<ExperimentStore>();
        var run = store.Get(ModelA)!;
        int[] indexes = [16, 21, 38, 69, 71, 74, 78, 80, 86, 97, 98, 102];
        double[] eps = [0, 0.3, 0.6, 0.9, 1.2, 1.6, 1.9, 2.4, 3, 8, 20, 50];
        // Points at K = 8 (⌈ln 7⌉ = 2): 2^−⌊ε/0.5⌋ below 2, else 0.
        double[] points = [.. eps.Select(e => e < 2 ? Math.Pow(2, -Math.Floor(e / 0.5)) : 0)];
        var details = new ForgettingQualityDetails
        {
            K = K, ForgetIndexes = indexes, Epsilon = eps, Points = points,
            UnlearnedIds = [.. Enumerable.Range(0, K).Select(i => $"u{i}")], RetrainedIds = [.. Enumerable.Range(0, K).Select(i => $"r{i}")],
            Unlearned = [.. Enumerable.Range(0, K).Select(m => indexes.Select((_, j) => 0.5 * m + j * 0.2).ToArray())],
            Retrained = [.. Enumerable.Range(0, K).Select(m => indexes.Select((_, j) => -0.4 * m - j * 0.1).ToArray())],
        };
        var path = Path.Combine(store.Artifacts.AppFolder, JobRunner.ForgettingQualityFolder, "browser.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(details));
        store.AddForgettingQuality(new ForgettingQualityRecord
        {
            Dataset = Dataset, Architecture = Architecture, ForgetSetId = run.ForgetSetId, GroupKey = RunGroups.ConfigurationKey(run), K = K,
            F = points.Average(), Score = points.Average() * 0.97, CeilingF = 0.2, CeilingK = 4, CreatedUtc = DateTime.UtcNow,
            DetailsPath = store.Artifacts.Relative(path),
        });

        static DepthResults Depth(double[] ua, double[] probe, int? toHalf) => new(
            new RelearningCurve(60, 0.01, 0.9, 16, [0, 1, 2, 5, 10, 20], ua, 0.95, toHalf),
            new ProbeProfile(ProbeTargets.ForgetClassVsOthers, ["conv1", "layer1.0", "layer2.0", "layer3.0", "layer4.0", "fc"], probe, 0.5, 600, 600), 3.2);
        DepthDocument.Save(store.Artifacts, ModelA, Depth([0.08, 0.2, 0.45, 0.7, 0.85, 0.9], [0.6, 0.7, 0.8, 0.85, 0.9, 0.93], 2));
        DepthDocument.Save(store.Artifacts, ExperimentIds.Original(Dataset, Architecture, ForgetClass), Depth([0.95, 0.95, 0.96, 0.96, 0.97, 0.97], [0.7, 0.8, 0.9, 0.95, 0.98, 0.99], 0));
        DepthDocument.Save(store.Artifacts, ExperimentIds.Retrained(Dataset, Architecture, ForgetClass), Depth([0, 0.05, 0.15, 0.4, 0.6, 0.75], [0.6, 0.65, 0.7, 0.72, 0.75, 0.78], 10));
    }

    [Fact]
    public async Task Privacy_and_depth_tabs_draw_inside_the_window_at_two_sizes_without_errors()
    {
        using var app = new AppHost();
        ComparisonBrowserTests.Seed(app);
        SeedPrivacyAndDepth(app);
        Directory.CreateDirectory(DashboardBrowserTests.ScreenshotFolder);
        // One host and one browser; each size is a fresh page load (a new circuit) in a window of that size.
        await using var session = await BrowserSession.OpenAsync(1920, 1080, BrowserChecks.All);
        // plotly.js arrives 2 s late, so the Embedding tab is always left while it loads: a chart drawn before the script has
        // run would log "No DOM element with id 'uc-embedding-b'" once it arrives (PlotlyGate prevents that).
        await session.Page.RouteAsync("**/plotly-3.7.0.min.js", async route =>
        {
            await Task.Delay(2000);
            await route.ContinueAsync();
        });
        await session.ForEachSizeAsync([(1920, 1080), (1440, 900)], (page, width, height) => CheckSizeAsync(page, app.BaseUrl!, width, height));
    }

    private static async Task CheckSizeAsync(IPage page, string baseUrl, int width, int height)
    {
        string size = $"{width}x{height}";
        await page.GotoAsync($"{baseUrl}/?dataset={Dataset}&architecture={Architecture}&forgetClass={ForgetClass}&modelA={ModelA}&modelB=6f2b");
        await Assertions.Expect(page.Locator(".metrics-area polyline.uc-cka-retain").First).ToBeVisibleAsync();
        // The Embedding tab is left at once, while plotly.js may still be loading: the charts wait for it (PlotlyGate), so
        // no queued first draw looks for a panel that is gone ("No DOM element with id 'uc-embedding-a'" before).

        // Privacy: summary with the ceiling, the ε histogram's bins, the image grid ranked by ε (largest first).
        // The prerendered tabs show before the circuit is interactive; a click then does nothing, so click until the view opens.
        await DashboardBrowserTests.ClickUntilVisibleAsync(page.GetByRole(AriaRole.Tab, new() { Name = "Privacy" }), page.Locator(".uc-fq-summary"));
        await Assertions.Expect(page.Locator(".uc-fq-summary")).ToContainTextAsync("ceiling 0.200");
        await Assertions.Expect(page.Locator("g.uc-fq-bin")).ToHaveCountAsync(5);
        var images = page.Locator("img.uc-fq-img");
        await Assertions.Expect(images).ToHaveCountAsync(12);
        StringAssert(await images.First.GetAttributeAsync("src"), "train/102");
        // Every image loads from the shipped dataset (a broken image has naturalWidth 0).
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('img.uc-fq-img')].every(i => i.complete && i.naturalWidth > 0)");
        await images.Nth(3).HoverAsync();
        await Assertions.Expect(page.Locator(".uc-fq-strip")).ToContainTextAsync("train #86");
        await Assertions.Expect(page.Locator(".uc-fq-strip circle")).ToHaveCountAsync(2 * K);
        await NoPageScrollAsync(page, size, "privacy");

        // Depth: relearning and probe lines for Model A, the Original (relearning only) and the Retrained model, the chance line.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Depth" }).ClickAsync();
        await Assertions.Expect(page.Locator("polyline.uc-depth-line")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("line.uc-depth-chance")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".uc-depth-summary").First).ToContainTextAsync("2 steps");
        await NoPageScrollAsync(page, size, "depth");
        var lines = await page.EvaluateAsync<double[][]>("() => [...document.querySelectorAll('polyline.uc-depth-line')].map(l => { const r = l.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })");
        foreach (var r in lines)
            Assert.True(r[0] >= 0 && r[1] >= 0 && r[2] <= width && r[3] <= height, $"depth line outside the {width}×{height} window: {string.Join(",", r)}");
    }

    private static void StringAssert(string? actual, string expected) => Assert.Contains(expected, actual ?? "");

    private static async Task NoPageScrollAsync(IPage page, string size, string view)
    {
        await BrowserSession.NextFramesAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardBrowserTests.ScreenshotFolder, $"{view}-{size}.png") });
        await BrowserSession.AssertNoPageScrollAsync(page, $"{view} at {size}");
    }
}
