using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Unlearning.Web.Identity;

namespace Unlearning.Tests.Web.Identity;

/// <summary>
/// The app in shared mode on the in-memory test server over a temporary app folder whose users were made with the
/// <c>users</c> verb (as a lab admin would), with the job worker removed so that queued jobs stay queued (no training).
/// </summary>
public sealed partial class SharedApp : IDisposable
{
    public const string Password = "a long enough passphrase";

    public SharedApp(params (string Name, string Role)[] users)
    {
        AppFolder = TestData.TempFolder();
        foreach (var (name, role) in users)
        {
            var (exit, _, error) = Users(AppFolder, Password + "\n", "add", "--name", name, "--role", role, "--password-stdin").GetAwaiter().GetResult();
            Assert.True(exit == 0, error);
        }
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.UseSetting("Unlearning:AppFolder", AppFolder);
            b.UseSetting("Unlearning:Device", "cpu");
            b.UseSetting("Unlearning:Mode", "shared");
            b.ConfigureServices(s =>
            {
                foreach (var d in s.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(Unlearning.Core.Experiments.Jobs.JobQueueService)).ToList())
                    s.Remove(d);
            });
        });
    }

    public WebApplicationFactory<Program> Factory { get; }
    public string AppFolder { get; }

    /// <summary>A client that keeps cookies and does not follow redirects (the tests look at them).</summary>
    public HttpClient NewClient() => Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in through the form (antiforgery field and all); returns the answer of the POST.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string name, string password = Password)
    {
        var page = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, "The sign-in page has no antiforgery field.");
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Groups[1].Value] = WebUtility.HtmlDecode(token.Groups[2].Value), ["UserName"] = name, ["Password"] = password, ["ReturnUrl"] = "/",
        }));
    }

    public async Task<HttpClient> SignedInClientAsync(string name)
    {
        var client = NewClient();
        var answer = await SignInAsync(client, name);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        return client;
    }

    /// <summary>Runs the <c>users</c> verb with <paramref name="stdin"/> as standard input.</summary>
    public static async Task<(int Exit, string Output, string Error)> Users(string appFolder, string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new System.CommandLine.RootCommand { UsersCommand.Create(output, error, () => new StringReader(stdin)) };
        var exit = await root.Parse(["users", .. args, "--app", appFolder]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [GeneratedRegex("name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    public void Dispose()
    {
        Factory.Dispose();
        try { Directory.Delete(AppFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
