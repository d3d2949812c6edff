using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Training;

namespace Unlearning.Tests.Web.Browser;

/// <summary>
/// End to end in a real browser: the app self-hosted on a free loopback port (temporary app folder, the repository's
/// shipped Fashion-MNIST baselines), driven by Playwright with the system chromium (no browser download).
/// </summary>
[Collection("Torch")]
public class BrowserTests
{
    /// <summary>Where the last run's screenshot goes (for a human look at the page).</summary>
    public static readonly string ScreenshotPath = Path.Combine(Path.GetTempPath(), "unlearning-comparator-e2e.png");

    [Fact]
    public async Task Open_a_forget_class_build_a_fine_tuning_model_and_see_it_in_the_table_without_browser_errors()
    {
        // The shipped baselines are required (they are committed with the repository); use the first forget class whose
        // Retrained model exists.
        var folder = DataPaths.BaselineFolder(DataPaths.ResolveDataRoot("data"), "fashion-mnist", "compact");
        var manifest = BaselineManifest.TryLoad(folder);
        Assert.True(manifest?.Original is not null, $"The shipped baselines are missing: {folder}/manifest.json with original.pt is needed (train-baselines).");
        int fc = Enumerable.Range(0, 10).FirstOrDefault(c => manifest!.Retrained(c) is { } r && File.Exists(Path.Combine(folder, r.File)), -1);
        Assert.True(fc >= 0, $"No Retrained model in {folder}.");
        string original = $"000{fc}-fashion-mnist-compact", retrained = $"a00{fc}-fashion-mnist-compact";

        using var app = new AppHost();
        // Every view the drive opens (forget-class dialog, builder, job queue, table, Contrast, Attack) must log no
        // console error and throw no page error.
        await using var session = await BrowserSession.OpenAsync();
        var page = session.Page;

        try
        {
            await DriveAsync(page, app.BaseUrl!, fc, original, retrained);
            session.AssertNoErrors();
        }
        finally
        {
            // Kept for a human look at the page (and for diagnosis when an expectation failed).
            await page.ScreenshotAsync(new() { Path = ScreenshotPath, FullPage = true });
        }
    }

    private static async Task DriveAsync(IPage page, string baseUrl, int fc, string original, string retrained)
    {
        // First use: the forced dialog asks for the forget class.
        await page.GotoAsync(baseUrl + "/?dataset=fashion-mnist&architecture=compact");
        await page.Locator($".fc-choice[data-class='{fc}']").ClickAsync();
        await page.Locator(".fc-apply").ClickAsync();
        await Assertions.Expect(page.Locator($".fc-tab.active[data-class='{fc}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"tr[data-id='{original}'] .radio-a")).ToBeCheckedAsync();
        await Assertions.Expect(page.Locator($"tr[data-id='{retrained}'] .radio-b")).ToBeCheckedAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"forgetClass={fc}(&|$)"));
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("modelA=000"));

        // Build one short Fine-Tuning model: 1 epoch on 10 % of the retain set.
        await page.Locator(".open-builder").ClickAsync();
        await page.Locator("tr[data-name='epochs'] .hp-chip .mud-chip-close-button").ClickAsync();
        await page.Locator(".hp-epochs input").FillAsync("1");
        await page.Locator("button.hp-add-epochs").ClickAsync();
        await page.Locator(".hp-retain_fraction input").FillAsync("0.1");
        await Assertions.Expect(page.Locator(".model-count")).ToHaveTextAsync("These settings will build 1 model.");
        await page.Locator(".builder-build").ClickAsync();

        // The job appears in the queue panel and as a placeholder row, finishes, and its model becomes Model B. The temporary
        // app folder starts empty, so the Original and Retrained models are evaluated first (UMAP, CKA, attacks): on a busy
        // two-core machine that takes several minutes per model, hence the long wait.
        await Assertions.Expect(page.Locator(".job").Filter(new() { HasText = "Fine-Tuning" }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr.row-placeholder td.c-method")).ToHaveTextAsync("Fine-Tuning");
        await Assertions.Expect(page.Locator(".job-running .stepper")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "unlearning-comparator-e2e-running.png") });
        var unlearnedRow = page.Locator("tbody tr").Filter(new() { Has = page.Locator(".badge-unlearned") });
        await Assertions.Expect(unlearnedRow).ToHaveCountAsync(1, new() { Timeout = 1_800_000 });
        await Assertions.Expect(unlearnedRow.Locator(".radio-b")).ToBeCheckedAsync();
        await Assertions.Expect(unlearnedRow.Locator("td.c-method")).ToHaveTextAsync("Fine-Tuning");
        await Assertions.Expect(unlearnedRow.Locator("td.m-ua")).Not.ToHaveTextAsync("-", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".job-done").First).ToContainTextAsync("Model ID");
        await Assertions.Expect(page.Locator($"tr[data-id='{original}'] td.m-ua")).Not.ToHaveTextAsync("-");

        // Contrast: both embedding plots hold the 2,000 subset points (counted in Plotly's own data).
        var plots = page.Locator(".uc-embedding-plot");
        await Assertions.Expect(plots).ToHaveCountAsync(2);
        await Assertions.Expect(plots.Nth(0)).ToHaveAttributeAsync("data-points", "2000");
        await Assertions.Expect(plots.Nth(1)).ToHaveAttributeAsync("data-points", "2000");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.uc-embedding-plot .js-plotly-plot').length === 2");
        var plotted = await page.EvaluateAsync<int[]>("() => Array.from(document.querySelectorAll('.uc-embedding-plot .js-plotly-plot')).map(p => (p.data || []).reduce((s, t) => s + (t.x ? t.x.length : 0), 0))");
        Assert.All(plotted, n => Assert.True(n >= 2000, $"a plot draws {n} points"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "unlearning-comparator-contrast.png"), FullPage = true });

        // Switching Model A updates the views: measured and reported, not asserted (docs/views.md, "Model A and Model B": ≤ 1 s).
        var before = await plots.Nth(0).Locator(".uc-chart-title").InnerTextAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await page.Locator($"tr[data-id='{retrained}'] .radio-a").ClickAsync();
        await Assertions.Expect(plots.Nth(0).Locator(".uc-chart-title")).Not.ToHaveTextAsync(before);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.uc-embedding-plot .js-plotly-plot').length === 2");
        SwitchSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"Switching Model A re-rendered the Contrast view in {SwitchSeconds:F2} s");

        // Attack: both sides against the Retrained model, with the privacy score readout and butterfly dots.
        await page.Locator($"tr[data-id='{original}'] .radio-a").ClickAsync();
        clock.Restart();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Attack" }).ClickAsync();
        // Under load (two cores shared with training) the tab switch may take longer than Expect's 5 s default: the time
        // is reported, not asserted.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("view=attack"), new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".uc-attack-side[data-side='B'] .uc-dot-model").First).ToBeVisibleAsync();
        Console.WriteLine($"Opening the Attack view took {clock.Elapsed.TotalSeconds:F2} s");
        await Assertions.Expect(page.Locator(".uc-attack-side[data-side='B']")).ToContainTextAsync("Privacy Score");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "unlearning-comparator-attack.png"), FullPage = true });

        // Build-to-view: a Fine-Tuning job with its default hyperparameters (every opening of the builder is a new dialog with a
        // new form, so the edits above are gone), from the Build click until its row shows UA — queue, unlearn, evaluate,
        // table. The baselines are evaluated by now. Measured and reported (docs/views.md, "Build-to-view"), not asserted.
        await page.Locator(".open-builder").ClickAsync();
        await Assertions.Expect(page.Locator(".hp-retain_fraction input")).Not.ToHaveValueAsync("0.1");
        await Assertions.Expect(page.Locator(".model-count")).ToHaveTextAsync("These settings will build 1 model.");
        clock.Restart();
        await page.Locator(".builder-build").ClickAsync();
        await Assertions.Expect(unlearnedRow).ToHaveCountAsync(2, new() { Timeout = 900_000 });
        await Assertions.Expect(unlearnedRow.Locator("td.m-ua").Filter(new() { HasText = "-" })).ToHaveCountAsync(0, new() { Timeout = 900_000 });
        BuildToViewSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"Build-to-view of a default Fine-Tuning job: {BuildToViewSeconds:F1} s (goal ≤ 30 s on two idle cores)");
    }

    /// <summary>Seconds from the Build click to a default Fine-Tuning job's row showing UA (reported in the issue notes).</summary>
    public static double BuildToViewSeconds { get; private set; }

    /// <summary>Seconds the last run took to re-render the Contrast view after a Model A switch (reported in the issue notes).</summary>
    public static double SwitchSeconds { get; private set; }
}
