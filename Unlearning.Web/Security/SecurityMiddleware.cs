using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Net.Http.Headers;

namespace Unlearning.Web.Security;

/// <summary>
/// The app has no accounts, so anything that can reach it can use it. This keeps what can reach it to the
/// user's own browser tab and the user's own scripts:
/// <list type="bullet">
/// <item>The <c>Host</c> header must name a loopback address, a host of the configured <c>Urls</c> or one listed in
/// <c>Unlearning:AllowedHosts</c> (semicolon-separated; <c>*</c> turns the check off). A DNS-rebinding page arrives
/// with its own domain as Host and is refused.</item>
/// <item>State-changing <c>/api</c> requests (POST, PUT, PATCH, DELETE) are refused when <c>Sec-Fetch-Site</c> or
/// <c>Origin</c> says they come from another origin; a body must be <c>application/json</c>, or multipart with an
/// <c>X-Requested-With</c> header. Both are things a cross-origin page cannot send without a CORS preflight, which
/// this server never grants; a <c>text/plain</c> or plain form post is what a "simple" cross-origin request is.</item>
/// <item>Every response carries nosniff, no-referrer, frame denial and a Content-Security-Policy whose script
/// source is this origin plus a per-request nonce (for the inline import map).</item>
/// </list>
/// </summary>
public static class SecurityMiddleware
{
    /// <summary>Header a multipart API request must carry (any non-empty value).</summary>
    public const string RequestedWithHeader = "X-Requested-With";

    /// <summary>Key of the per-request CSP nonce in <see cref="HttpContext.Items"/>.</summary>
    public const string NonceKey = "unlearning.csp-nonce";

    public static IServiceCollection AddUnlearningSecurity(this IServiceCollection services)
    {
        services.Configure<KestrelServerOptions>(o => o.AddServerHeader = false);
        // Antiforgery would add its own X-Frame-Options: SAMEORIGIN next to ours (DENY).
        services.Configure<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>(o => o.SuppressXFrameOptionsHeader = true);
        services.AddSingleton<HostAllowList>();
        return services;
    }

    public static IApplicationBuilder UseUnlearningSecurity(this IApplicationBuilder app)
    {
        var hosts = app.ApplicationServices.GetRequiredService<HostAllowList>();
        return app.Use(async (context, next) =>
        {
            var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)); // hex: nothing for Razor to HTML-encode in the attribute
            context.Items[NonceKey] = nonce;
            var h = context.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h["Referrer-Policy"] = "no-referrer";
            h.XFrameOptions = "DENY";
            h.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
            // Blazor's interactive server mode adds its own "frame-ancestors 'self'" policy; ours is stricter and complete.
            context.Response.OnStarting(() => { context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce); return Task.CompletedTask; });

            if (!hosts.Allows(context.Request.Host))
            {
                await Refuse(context, StatusCodes.Status400BadRequest, "Host not allowed",
                    "This server does not answer to that host name. Add it to Unlearning:AllowedHosts to serve it.");
                return;
            }
            if (context.Request.Path.StartsWithSegments("/api") && IsStateChanging(context.Request.Method)
                && CrossSiteRefusal(context.Request) is (int status, string title, string detail))
            {
                await Refuse(context, status, title, detail);
                return;
            }
            await next();
        });
    }

    /// <summary>
    /// Scripts from this origin only (Blazor, MudBlazor, Plotly) and the nonce'd import map; no other inline script.
    /// 'unsafe-eval' is needed by Plotly's WebGL traces (scattergl, the embedding plots): regl compiles draw commands
    /// with <c>Function(...)</c> once the plot is hovered (ComparisonBrowserTests' linked hover fails without it; the
    /// first draw does not need it). Inline styles are allowed because
    /// MudBlazor and Plotly set style attributes; images may be data:/blob: URLs (Plotly's snapshots); the circuit's
    /// WebSocket is this origin.
    /// </summary>
    public static string ContentSecurityPolicy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; " +
        "form-action 'self'; frame-ancestors 'none'";

    private static bool IsStateChanging(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    /// <summary>Why a state-changing API request is refused, or null when it may pass.</summary>
    public static (int Status, string Title, string Detail)? CrossSiteRefusal(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
            return (403, "Cross-site request refused", $"Requests from another site ({site}) may not change state here.");
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !SameOrigin(origin, request))
            return (403, "Cross-origin request refused", "Requests from another origin may not change state here.");

        bool hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0 || request.ContentType is not null;
        if (!hasBody) return null;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
            return (415, "Unsupported media type", "Send the body as application/json (or multipart/form-data with an X-Requested-With header).");
        if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true)
            return null;
        if (type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return string.IsNullOrWhiteSpace(request.Headers[RequestedWithHeader])
                ? (403, "Missing request header", $"Multipart requests must carry an {RequestedWithHeader} header (any value), which a cross-site form cannot send.")
                : null;
        return (415, "Unsupported media type", $"'{type.MediaType}' is not accepted; send application/json (or multipart/form-data with an X-Requested-With header).");
    }

    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var o)
        && string.Equals(o.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static Task Refuse(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { type = "about:blank", title, status, detail }, options: null, contentType: "application/problem+json");
    }
}

/// <summary>
/// Host names the server answers to: loopback names, the hosts of the configured <c>Urls</c> and the addresses it
/// listens on, plus <c>Unlearning:AllowedHosts</c>. When it listens on a wildcard address (0.0.0.0, [::], *), the
/// machine's own name and interface addresses are added, so that sharing with a lab works without opening the door
/// to DNS-rebinding names.
/// </summary>
public sealed class HostAllowList(IConfiguration config, IServer server)
{
    private HashSet<string>? _hosts;
    private bool _any;

    public bool Allows(HostString host)
    {
        if (_hosts is null) Build();
        if (_any) return true;
        if (!host.HasValue) return false;
        var name = host.Host.Trim('[', ']').TrimEnd('.');
        return _hosts!.Contains(name) || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip));
    }

    private void Build()
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1" };
        foreach (var h in (config["Unlearning:AllowedHosts"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (h == "*") _any = true;
            hosts.Add(h.Trim('[', ']'));
        }
        var urls = (config["Urls"] ?? config["ASPNETCORE_URLS"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
        bool wildcard = false;
        foreach (var url in urls)
        {
            var rest = url[(url.IndexOf("://", StringComparison.Ordinal) is int i and >= 0 ? i + 3 : 0)..];
            var host = rest.StartsWith('[') ? rest[1..Math.Max(1, rest.IndexOf(']'))] : rest.Split(':', '/')[0];
            if (host is "*" or "+" or "0.0.0.0" or "::") wildcard = true;
            else if (host.Length > 0) hosts.Add(host);
        }
        if (wildcard)
        {
            hosts.Add(Environment.MachineName);
            try
            {
                foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
                    foreach (var a in ni.GetIPProperties().UnicastAddresses)
                        hosts.Add(a.Address.ToString().Split('%')[0]);
            }
            catch (NetworkInformationException) { }
        }
        _hosts = hosts;
    }
}
