using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Unlearning.Tests.Web;

/// <summary>The real app on Kestrel at a free loopback port, with its run-time state in a temporary folder.</summary>
public sealed class AppHost : IDisposable
{
    public AppHost(bool kestrel = true)
    {
        AppFolder = Foundation.TestData.TempFolder();
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.UseSetting("Unlearning:AppFolder", AppFolder);
            b.UseSetting("Unlearning:Device", "cpu");
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
