using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Unlearning.Tests.Web.Browser;

/// <summary>
/// The forget-set workflow of docs/forget-sets.md in a real browser, on the tiny generated dataset (so that training
/// the Retrained model and nine unlearning runs take seconds): create "random 5 % · seed 1" in the dialog, train its
/// Retrained model from the tab, build Fine-Tuning, Random Labeling and SalUn with seeds 1, 2, 3, and read the grouped
/// rows (mean ± std) and the gap column.
/// </summary>
[Collection("Torch")]
public class ForgetSetBrowserTests
{
    [Fact]
    public async Task A_random_forget_set_is_created_retrained_and_built_with_three_seeds_per_method()
    {
        var data = TinyFashionMnist.Create();
        using var app = new AppHost(settings: new Dictionary<string, string> { ["Unlearning:DataRoot"] = data });
        await using var session = await BrowserSession.OpenAsync();
        var page = session.Page;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await page.GotoAsync(app.BaseUrl + "/?dataset=fashion-mnist&architecture=compact");
            await page.Locator(".fc-kind-random").ClickAsync();
            await page.Locator(".fc-amount input").FillAsync("5%");
            await page.Locator(".fc-seed input").FillAsync("1");
            await page.Locator(".fc-apply").ClickAsync();
            var tab = page.Locator(".fc-tab.active");
            await Assertions.Expect(tab).ToContainTextAsync("random 5 % · seed 1");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("forgetSet=s[0-9a-f]{10}"));
            // The sample set's columns: TUA is N/A, the TRA column is the test accuracy.
            await Assertions.Expect(page.Locator("th[data-col='TRA']")).ToContainTextAsync("TA");

            // Its Original row is evaluated on its own; the tab offers the Retrained model and states its cost.
            await Assertions.Expect(page.Locator("tbody tr").Filter(new() { Has = page.Locator(".badge-original") }).Locator("td.m-ua")).Not.ToHaveTextAsync("-");
            await page.Locator(".retrain-train").ClickAsync();
            var retrainedRow = page.Locator("tbody tr").Filter(new() { Has = page.Locator(".badge-retrained") });
            await Assertions.Expect(retrainedRow.Locator("td.m-ua")).Not.ToHaveTextAsync("-", new() { Timeout = 600_000 });
            await Assertions.Expect(page.Locator(".retrain-offer")).ToHaveCountAsync(0);
            await Assertions.Expect(retrainedRow.Locator("td.m-tua")).ToHaveTextAsync("-");
            Console.WriteLine($"Forget set created and its Retrained model trained and evaluated after {clock.Elapsed.TotalSeconds:F0} s");

            foreach (var method in new[] { "Fine-Tuning", "Random Labeling", "SalUn" })
            {
                await page.Locator(".open-builder").ClickAsync();
                await page.Locator(".builder-method").ClickAsync();
                await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Regex.Escape(method)}$") }).ClickAsync();
                await page.Locator(".builder-seeds-field input").FillAsync("1, 2, 3");
                await Assertions.Expect(page.Locator(".model-count")).ToHaveTextAsync("These settings will build 3 models.");
                await page.Locator(".builder-build").ClickAsync();
                await Assertions.Expect(page.Locator(".builder-dialog")).ToHaveCountAsync(0);
            }

            // Three groups of three runs: one head row each, "mean ± std" in its cells and a gap to the Retrained model.
            var groups = page.Locator("tbody tr.row-group").Filter(new() { Has = page.Locator(".badge-unlearned") });
            await Assertions.Expect(groups).ToHaveCountAsync(3, new() { Timeout = 900_000 });
            await Assertions.Expect(page.Locator("tr.row-placeholder")).ToHaveCountAsync(0, new() { Timeout = 900_000 });
            Console.WriteLine($"Nine runs built and evaluated after {clock.Elapsed.TotalSeconds:F0} s in all");
            for (int g = 0; g < 3; g++)
            {
                await Assertions.Expect(groups.Nth(g).Locator("td.m-ua")).ToContainTextAsync("±");
                await Assertions.Expect(groups.Nth(g).Locator("td.m-gap")).ToContainTextAsync("±");
                await Assertions.Expect(groups.Nth(g).Locator("td.m-tua")).ToHaveTextAsync("-");
            }
            await Assertions.Expect(page.Locator("th[data-col='Gap']")).ToBeVisibleAsync();

            // Expanding a group lists its three runs with their own numbers.
            await groups.First.Locator(".group-toggle").ClickAsync();
            await Assertions.Expect(page.Locator("tbody tr.row-member")).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("tbody tr.row-member td.m-gap").First).Not.ToHaveTextAsync("-");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "unlearning-comparator-forget-set.png"), FullPage = true });

            // A second Retrained seed joins the set's Retrained group (the gap now uses their mean).
            await page.Locator(".add-retrained-seeds").ClickAsync();
            await page.Locator(".retrain-seeds input").FillAsync("7");
            await page.Locator(".retrain-train").ClickAsync();
            var retrainedGroup = page.Locator("tbody tr.row-group").Filter(new() { Has = page.Locator(".badge-retrained") });
            await Assertions.Expect(retrainedGroup).ToHaveCountAsync(1, new() { Timeout = 600_000 });
            await Assertions.Expect(retrainedGroup.Locator("td.m-ua")).ToContainTextAsync("±", new() { Timeout = 600_000 });

            // The Attack view works on the forget samples: the unlearned side (Model B) against the set's Retrained model.
            await groups.First.Locator(".radio-b").ClickAsync();
            await page.GetByRole(AriaRole.Tab, new() { Name = "Attack" }).ClickAsync();
            await Assertions.Expect(page.Locator(".uc-attack-side[data-side='B'] .uc-dot-model").First).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator(".uc-attack-side[data-side='B']")).ToContainTextAsync("Privacy Score");

            // The link restores the sample-set tab.
            var url = page.Url;
            await page.GotoAsync(url);
            await Assertions.Expect(page.Locator(".fc-tab.active")).ToContainTextAsync("random 5 % · seed 1");
            session.AssertNoErrors();
        }
        finally
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "unlearning-comparator-forget-set-final.png"), FullPage = true });
        }
    }
}
