using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Unlearning.Tests.Support;

/// <summary>The real app on Kestrel at a free loopback port, with its run-time state in a temporary folder.</summary>
public sealed class AppHost : IDisposable
{
    /// <param name="kestrel">Serve on a real loopback port (browser tests) rather than the in-memory test server.</param>
    /// <param name="settings">Further configuration, e.g. <c>Unlearning:Uploads:MaxMegabytes</c>.</param>
    public AppHost(bool kestrel = true, IReadOnlyDictionary<string, string>? settings = null)
    {
        AppFolder = TestData.TempFolder();
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.UseSetting("Unlearning:AppFolder", AppFolder);
            b.UseSetting("Unlearning:Device", "cpu");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>()) b.UseSetting(key, value);
        });
        if (kestrel)
        {
            Factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            Factory.StartServer();
            BaseUrl = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        }
        Client = kestrel ? new HttpClient { BaseAddress = new Uri(BaseUrl!) } : Factory.CreateClient();
        // Multipart API requests must carry this header (a cross-site form cannot); the tests' client is a same-origin script.
        Client.DefaultRequestHeaders.Add(Unlearning.Web.Security.SecurityMiddleware.RequestedWithHeader, "unlearning-tests");
    }

    public WebApplicationFactory<Program> Factory { get; }
    public string AppFolder { get; }
    public string? BaseUrl { get; }
    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
    }
}
