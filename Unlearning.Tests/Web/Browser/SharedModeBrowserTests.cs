using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Unlearning.Core.Experiments;
using Unlearning.Web.Identity;

namespace Unlearning.Tests.Web.Browser;

/// <summary>
/// Shared mode in a real browser (docs/lab-identity.md): the sign-in form, a Viewer who sees no Build button and no
/// delete, a Researcher who builds and deletes only their own rows, the Owner column and the "Mine" filter, sign-out.
/// </summary>
[Collection("Torch")]
public class SharedModeBrowserTests
{
    private const string Password = "a long enough passphrase";

    [Fact]
    public async Task A_viewer_signs_in_and_sees_no_build_or_delete_and_a_researcher_sees_their_own()
    {
        using var app = new AppHost(settings: new Dictionary<string, string> { ["Unlearning:Mode"] = "shared" });
        using (var scope = app.Factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
            foreach (var (name, role) in new[] { ("vic", LabRoles.Viewer), ("rita", LabRoles.Researcher) })
            {
                var user = new LabUser { UserName = name };
                Assert.True((await users.CreateAsync(user, Password)).Succeeded);
                Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
            }
        }
        var store = app.Factory.Services.GetRequiredService<ExperimentStore>();
        // Two methods, so that the rows are not one run group (a group's head row has no delete button).
        foreach (var (id, owner, method) in new[] { ("e0ri-fashion-mnist-compact", "rita", "FineTuning"), ("e0ad-fashion-mnist-compact", "ada", "BadTeacher") })
            store.Add(new Experiment
            {
                Id = id, Dataset = "fashion-mnist", Architecture = "compact", ForgetClass = 0, Type = ExperimentType.Unlearned, Method = method,
                CreatedUtc = DateTime.UtcNow, Status = ExperimentStatus.Ready, Owner = owner,
            });

        await using var session = await BrowserSession.OpenAsync();
        var page = session.Page;

        // Not signed in: the app sends the browser to the sign-in form, which brings it back afterwards.
        await page.GotoAsync(app.BaseUrl + "/?dataset=fashion-mnist&architecture=compact&forgetClass=0");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await SignInAsync(page, "vic");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("forgetClass=0"));
        await Assertions.Expect(page.Locator(".user-name")).ToHaveTextAsync("vic (Viewer)");
        await Assertions.Expect(page.Locator("tr[data-id='e0ri-fashion-mnist-compact']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".viewer-hint")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".open-builder")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("tr[data-id='e0ad-fashion-mnist-compact']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".act-delete")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".act-fq")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("tr[data-id='e0ri-fashion-mnist-compact'] td.c-owner")).ToHaveTextAsync("rita");

        await page.Locator(".sign-out").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await SignInAsync(page, "rita");
        await page.GotoAsync(app.BaseUrl + "/?dataset=fashion-mnist&architecture=compact&forgetClass=0");
        await Assertions.Expect(page.Locator(".open-builder")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr[data-id='e0ri-fashion-mnist-compact'] .act-delete")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr[data-id='e0ad-fashion-mnist-compact']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr[data-id='e0ad-fashion-mnist-compact'] .act-delete")).ToHaveCountAsync(0);
        // The prerendered page shows the toggle before the circuit answers: first wait until a menu opens on click.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await page.Locator(".col-choice-Notes").IsVisibleAsync() && DateTime.UtcNow < deadline)
        {
            await page.Locator(".column-chooser button").First.ClickAsync();
            await Task.Delay(500);
        }
        await page.Keyboard.PressAsync("Escape");
        await page.Locator(".mine-toggle").ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-id='e0ad-fashion-mnist-compact']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("tr[data-id='e0ri-fashion-mnist-compact']")).ToBeVisibleAsync();
        session.AssertNoErrors();
    }

    private static async Task SignInAsync(IPage page, string name)
    {
        await page.Locator("input[name='UserName']").FillAsync(name);
        await page.Locator("input[name='Password']").FillAsync(Password);
        await page.Locator("button.sign-in").ClickAsync();
    }
}
