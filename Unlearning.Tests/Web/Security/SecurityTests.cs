using Unlearning.Tests.Web.Browser;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Unlearning.Web.Security;

namespace Unlearning.Tests.Web.Security;

/// <summary>Security headers, the Host check and the refusal of cross-site state changes, through the real app.</summary>
[Collection("Torch")]
public sealed class SecurityTests : IDisposable
{
    private readonly AppHost _app = new(kestrel: true);

    public void Dispose() => _app.Dispose();

    /// <summary>A client without the test host's default X-Requested-With header.</summary>
    private HttpClient Bare() => new() { BaseAddress = new Uri(_app.BaseUrl!) };

    private static async Task<JsonElement> Problem(HttpResponseMessage r)
    {
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        return await r.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<int> JobCount() => (await _app.Client.GetFromJsonAsync<JsonElement>("/api/jobs")).GetArrayLength();

    [Fact]
    public async Task Pages_carry_security_headers_and_no_server_header()
    {
        using var c = Bare();
        var r = await c.GetAsync("/");
        r.EnsureSuccessStatusCode();
        Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", r.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", r.Headers.GetValues("X-Frame-Options").Single());
        var csp = r.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self' 'nonce-", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.False(r.Headers.Contains("Server"));
        // The import map is the page's one inline script and carries this response's nonce.
        var nonce = csp.Split("'nonce-")[1].Split('\'')[0];
        Assert.Contains($"nonce=\"{nonce}\"", await r.Content.ReadAsStringAsync());

        var icon = await c.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("nosniff", (await c.GetAsync("/api/datasets")).Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("evil.example", HttpStatusCode.BadRequest)]
    [InlineData("attacker.test:5080", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("[::1]", HttpStatusCode.OK)]
    public async Task Only_loopback_and_configured_host_names_are_served(string host, HttpStatusCode status)
    {
        using var c = Bare();
        var req = new HttpRequestMessage(HttpMethod.Get, "/api/datasets");
        req.Headers.Host = host;
        var r = await c.SendAsync(req);
        Assert.Equal(status, r.StatusCode);
        if (status != HttpStatusCode.OK) Assert.Equal("Host not allowed", (await Problem(r)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Cross_site_and_simple_requests_cannot_change_state()
    {
        using var c = Bare();
        const string job = """{"kind":"unlearn","method":"FineTuning","dataset":"fashion-mnist","architecture":"compact","forgetClass":0}""";
        int jobsBefore = await JobCount();

        // text/plain: what a no-cors fetch or a form can send.
        var r = await c.PostAsync("/api/jobs", new StringContent(job, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Contains("application/json", (await Problem(r)).GetProperty("detail").GetString());

        // JSON, but the browser says it comes from another site / origin.
        foreach (var (name, value) in new[] { ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site"), ("Origin", "http://127.0.0.1:1"), ("Origin", "null") })
        {
            var req = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = new StringContent(job, Encoding.UTF8, "application/json") };
            req.Headers.Add(name, value);
            r = await c.SendAsync(req);
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Contains("may not change state", (await Problem(r)).GetProperty("detail").GetString());
        }
        var del = new HttpRequestMessage(HttpMethod.Delete, "/api/experiments/x") { Headers = { { "Sec-Fetch-Site", "cross-site" } } };
        Assert.Equal(HttpStatusCode.Forbidden, (await c.SendAsync(del)).StatusCode);

        // A multipart upload without the custom header: a plain cross-site form post.
        var form = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "m.pth" }, { new StringContent("0"), "forgetClass" } };
        r = await c.PostAsync("/api/uploads", form);
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("X-Requested-With", (await Problem(r)).GetProperty("detail").GetString());
        var uploads = Path.Combine(_app.AppFolder, "uploads");
        Assert.True(!Directory.Exists(uploads) || Directory.GetFiles(uploads).Length == 0);
        Assert.Equal(jobsBefore, await JobCount());

        // Same-origin JSON still reaches the endpoint (which answers for itself), and so does a same-origin Origin.
        var ok = new HttpRequestMessage(HttpMethod.Post, "/api/jobs/999999/cancel") { Headers = { { "Origin", _app.BaseUrl!.TrimEnd('/') }, { "Sec-Fetch-Site", "same-origin" } } };
        Assert.NotEqual(HttpStatusCode.Forbidden, (await c.SendAsync(ok)).StatusCode);
    }

    [Fact]
    public void Refusal_rules_in_isolation()
    {
        static HttpRequest Req(string? contentType, params (string, string)[] headers)
        {
            var ctx = new DefaultHttpContext();
            ctx.Request.Method = "POST";
            ctx.Request.Scheme = "http";
            ctx.Request.Host = new HostString("127.0.0.1:5080");
            ctx.Request.ContentType = contentType;
            foreach (var (k, v) in headers) ctx.Request.Headers[k] = v;
            return ctx.Request;
        }
        Assert.Null(SecurityMiddleware.CrossSiteRefusal(Req(null)));
        Assert.Null(SecurityMiddleware.CrossSiteRefusal(Req("application/json; charset=utf-8")));
        Assert.Null(SecurityMiddleware.CrossSiteRefusal(Req("application/json", ("Origin", "http://127.0.0.1:5080"))));
        Assert.Null(SecurityMiddleware.CrossSiteRefusal(Req("multipart/form-data; boundary=x", ("X-Requested-With", "fetch"))));
        Assert.Equal(415, SecurityMiddleware.CrossSiteRefusal(Req("application/x-www-form-urlencoded"))?.Status);
        Assert.Equal(415, SecurityMiddleware.CrossSiteRefusal(Req("text/plain;charset=UTF-8"))?.Status);
        Assert.Equal(403, SecurityMiddleware.CrossSiteRefusal(Req("multipart/form-data; boundary=x"))?.Status);
        Assert.Equal(403, SecurityMiddleware.CrossSiteRefusal(Req(null, ("Origin", "http://127.0.0.1:5081")))?.Status);
        Assert.Equal(403, SecurityMiddleware.CrossSiteRefusal(Req("application/json", ("Sec-Fetch-Site", "same-site")))?.Status);
    }

    /// <summary>
    /// A page served from a second loopback origin fires the simple requests any web page can send (no-cors fetch with
    /// a text/plain body, a multipart form); the app must store and queue nothing.
    /// </summary>
    [Fact]
    public async Task A_page_from_another_origin_cannot_import_upload_or_queue()
    {
        int jobsBefore = await JobCount();
        int experimentsBefore = (await _app.Client.GetFromJsonAsync<JsonElement>("/api/experiments?dataset=fashion-mnist&architecture=compact")).GetArrayLength();
        var target = _app.BaseUrl!.TrimEnd('/');
        var importBody = JsonSerializer.Serialize(ImportFixtures.Valid());
        var html = $$"""
            <!DOCTYPE html><html><body><script>
            window.results = [];
            async function go() {
              const t = '{{target}}';
              const tries = [
                () => fetch(t + '/api/experiments/import?dataset=fashion-mnist&architecture=compact', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: {{JsonSerializer.Serialize(importBody)}} }),
                () => fetch(t + '/api/jobs', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: '{"kind":"unlearn","method":"FineTuning","dataset":"fashion-mnist","architecture":"compact","forgetClass":0}' }),
                () => { const f = new FormData(); f.append('file', new Blob([new Uint8Array([80, 75, 3, 4])]), 'm.pth'); f.append('forgetClass', '0'); return fetch(t + '/api/uploads', { method: 'POST', mode: 'no-cors', body: f }); },
                () => { const f = new FormData(); f.append('file', new Blob(['{}']), 'r.json'); return fetch(t + '/api/experiments/import', { method: 'POST', mode: 'no-cors', body: f }); },
              ];
              for (const go of tries) { try { const r = await go(); window.results.push(r.type); } catch (e) { window.results.push('error'); } }
              window.done = true;
            }
            go();
            </script></body></html>
            """;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var cts = new CancellationTokenSource();
        var serve = ServePageAsync(listener, html, cts.Token);

        // The refused requests log console errors by design; what counts is what reached the store.
        await using var session = await BrowserSession.OpenAsync(checks: BrowserChecks.None);
        var page = session.Page;
        await page.GotoAsync($"http://127.0.0.1:{port}/");
        await page.WaitForFunctionAsync("() => window.done === true", null, new() { Timeout = 30_000 });
        var results = await page.EvaluateAsync<string[]>("() => window.results");
        Assert.Equal(4, results.Length);
        Assert.All(results, r => Assert.Equal("opaque", r)); // the requests did reach the server
        cts.Cancel();

        Assert.Equal(jobsBefore, await JobCount());
        Assert.Equal(experimentsBefore, (await _app.Client.GetFromJsonAsync<JsonElement>("/api/experiments?dataset=fashion-mnist&architecture=compact")).GetArrayLength());
        var uploads = Path.Combine(_app.AppFolder, "uploads");
        Assert.True(!Directory.Exists(uploads) || Directory.GetFiles(uploads).Length == 0);
        var artifacts = Path.Combine(_app.AppFolder, "artifacts");
        Assert.True(!Directory.Exists(artifacts) || !Directory.EnumerateDirectories(artifacts).Any(d => Path.GetFileName(d).StartsWith("xsite", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The policy in a real browser, in Production: the page starts its circuit, MudBlazor renders, and a Plotly scattergl plot (the
    /// embedding views' WebGL trace type) draws, with no console error and no
    /// policy violation.
    /// </summary>
    [Fact]
    public async Task The_page_and_a_scattergl_plot_work_under_the_policy_without_console_errors()
    {
        await using var session = await BrowserSession.OpenAsync();
        var page = session.Page;
        await page.AddInitScriptAsync("window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));");
        // In Production, as the README's run command serves (package assets come from the build manifest, not wwwroot).
        using var production = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("Unlearning:AppFolder", TestData.TempFolder());
            b.UseSetting("Unlearning:Device", "cpu");
        });
        production.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        production.StartServer();
        var baseUrl = production.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var response = await page.GotoAsync(baseUrl + "/?dataset=fashion-mnist&architecture=compact");
        Assert.Contains("'nonce-", await response!.HeaderValueAsync("content-security-policy"));
        await Assertions.Expect(page.Locator(".fc-choice").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined");

        await page.EvaluateAsync(@"() => new Promise((ok, fail) => {
            const s = document.createElement('script');
            s.src = '_content/Plotly.Blazor/plotly-3.7.0.min.js';
            s.onload = ok; s.onerror = () => fail('plotly did not load');
            document.head.appendChild(s);
        })");
        await page.EvaluateAsync(@"async () => {
            const d = document.createElement('div'); d.id = 'csp-plot'; d.style.width = '300px'; d.style.height = '200px';
            document.body.appendChild(d);
            await Plotly.newPlot(d, [{ type: 'scattergl', mode: 'markers', x: [1, 2, 3], y: [3, 1, 2] }]);
        }");
        Assert.True(await page.EvaluateAsync<bool>("() => document.querySelectorAll('#csp-plot canvas').length > 0"));
        // Plotly's WebGL scene exists and has drawn (regl is set up and nothing is left dirty).
        Assert.True(await page.EvaluateAsync<bool>("() => { const l = document.getElementById('csp-plot')._fullLayout; const sc = l._plots.xy._scene; return !!sc && sc.dirty === false && l._glcanvas.size() > 0; }"));
        var favicon = await page.EvaluateAsync<string>("() => document.querySelector('link[rel=icon]').href");
        Assert.EndsWith("/favicon.svg", favicon);
        await page.WaitForTimeoutAsync(1000);
        var violations = await page.EvaluateAsync<string[]>("() => window.__csp");
        Assert.Empty(violations);
        session.AssertNoErrors();
    }

    /// <summary>Answers every connection with the page (a second origin needs nothing more).</summary>
    private static async Task ServePageAsync(TcpListener listener, string html, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(html);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(ct);
                var stream = client.GetStream();
                var buf = new byte[8192];
                _ = await stream.ReadAsync(buf, ct); // the request line and headers; the page is the same for every path
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head, ct);
                await stream.WriteAsync(body, ct);
            }
        }
        catch (OperationCanceledException) { }
    }
}
