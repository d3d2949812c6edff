using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Web.Security;

namespace Unlearning.Tests.Web.Identity;

/// <summary>Local versus shared mode (docs/lab-identity.md, "Modes"), and the API's authorization metadata.</summary>
public sealed class LabModeTests
{
    private static LabMode Resolve(params (string Key, string Value)[] settings) =>
        LabMode.Resolve(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void The_mode_is_local_on_loopback_and_shared_beyond_it_unless_set()
    {
        Assert.Equal(LabModeKind.Local, Resolve().Kind);
        Assert.Equal(LabModeKind.Local, Resolve(("Urls", "http://127.0.0.1:5080;http://localhost:5081;http://[::1]:5082")).Kind);
        Assert.Equal(LabModeKind.Shared, Resolve(("Urls", "http://0.0.0.0:5080")).Kind);
        Assert.Equal(LabModeKind.Shared, Resolve(("Urls", "http://127.0.0.1:5080"), ("Kestrel:Endpoints:Lan:Url", "http://10.1.2.3:80")).Kind);
        Assert.Equal(LabModeKind.Shared, Resolve(("HTTP_PORTS", "8080")).Kind);
        Assert.Equal(LabModeKind.Shared, Resolve(("Unlearning:Mode", "Shared")).Kind);
        Assert.Equal(LabModeKind.Local, Resolve(("Urls", "http://*:5080"), ("Unlearning:Mode", "local"), ("Unlearning:AllowUnauthenticatedNetwork", "true")).Kind);
    }

    [Theory]
    [InlineData("local", "http://0.0.0.0:5080", null, "Refusing to start")]
    [InlineData("local", "http://+:5080", "false", "Refusing to start")]
    [InlineData("public", "http://127.0.0.1:5080", null, "must be 'local' or 'shared'")]
    [InlineData("local", "http://127.0.0.1:5080", "yes", "must be true or false")]
    public void Contradictory_settings_are_refused_with_one_line(string mode, string urls, string? allow, string message)
    {
        var settings = new List<(string, string)> { ("Unlearning:Mode", mode), ("Urls", urls) };
        if (allow is not null) settings.Add(("Unlearning:AllowUnauthenticatedNetwork", allow));
        var e = Assert.Throws<LabModeException>(() => Resolve([.. settings]));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_oidc_role_map_to_an_unknown_role_is_refused()
    {
        var e = Assert.Throws<LabModeException>(() => Resolve(("Unlearning:Mode", "shared"), ("Unlearning:Oidc:Authority", "https://idp.example"),
            ("Unlearning:Oidc:ClientId", "uc"), ("Unlearning:Oidc:RoleMap:lab-admins", "Superuser")));
        Assert.Contains("Superuser", e.Message);
    }

    [Fact]
    public async Task The_app_refuses_to_start_in_local_mode_on_a_network_address()
    {
        var repo = Path.GetDirectoryName(Unlearning.Core.DataPaths.ResolveDataRoot("data"))!;
        var folder = TestData.TempFolder();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { typeof(Unlearning.Web.WebSetup).Assembly.Location, "--urls", "http://0.0.0.0:0", "--Unlearning:Mode", "local", "--Unlearning:AppFolder", folder, "--Unlearning:Device", "cpu" })
            start.ArgumentList.Add(a);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var app = Process.Start(start)!;
        var stderr = app.StandardError.ReadToEndAsync();
        var stdout = app.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try { await app.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { app.Kill(entireProcessTree: true); Assert.Fail("The app started instead of refusing: " + await stdout); }
        Assert.Equal(2, app.ExitCode);
        var error = (await stderr).Trim();
        Assert.StartsWith("error: Refusing to start", error);
        Assert.DoesNotContain("\n", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task Local_mode_needs_no_sign_in_and_records_no_owner()
    {
        using var app = new AppHost(kestrel: false);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/experiments?dataset=fashion-mnist&architecture=compact&forgetClass=0")).StatusCode);
        var missing = await app.Client.DeleteAsync("/api/experiments/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);   // reached the endpoint: no 401/403
        var tokens = await app.Client.GetAsync("/api/tokens");
        Assert.Equal(HttpStatusCode.NotFound, tokens.StatusCode);
        Assert.Contains("shared mode", (await tokens.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/account/login")).StatusCode);
        // The local user is the Admin of Hangfire's dashboard too.
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/hangfire")).StatusCode);
        var mode = app.Factory.Services.GetRequiredService<LabMode>();
        Assert.False(mode.IsShared);
        // The local user is an Admin, and what it builds records no owner (as before shared mode existed).
        var local = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.Name, LabMode.LocalUserName), new(System.Security.Claims.ClaimTypes.Role, "Admin")], "Local"));
        Assert.Null(local.OwnerName(mode));
        Assert.True(local.CanModify(null));
    }

    [Fact]
    public void Every_state_changing_api_route_requires_the_write_or_admin_policy()
    {
        using var app = new AppHost(kestrel: false);
        var endpoints = app.Factory.Services.GetServices<EndpointDataSource>().SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(endpoints);
        var unguarded = new List<string>();
        foreach (var e in endpoints)
        {
            var methods = e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [];
            var policies = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            Assert.Contains(LabPolicies.Read, policies);   // every API route needs at least a reader
            bool changes = methods.Any(m => m is "POST" or "PUT" or "PATCH" or "DELETE");
            // The tokens routes manage the caller's own tokens (browser sign-in only, checked in the handler).
            if (changes && !e.RoutePattern.RawText!.StartsWith("/api/tokens", StringComparison.Ordinal)
                && !policies.Contains(LabPolicies.Write) && !policies.Contains(LabPolicies.Admin))
                unguarded.Add($"{string.Join(",", methods)} {e.RoutePattern.RawText}");
        }
        Assert.True(unguarded.Count == 0, "State-changing routes without the write policy: " + string.Join("; ", unguarded));
    }
}
