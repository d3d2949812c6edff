using System.Net;

namespace Unlearning.Web.Security;

/// <summary>Local: one user, no sign-in (loopback only). Shared: accounts, roles and tokens (docs/lab-identity.md, "Modes").</summary>
public enum LabModeKind { Local, Shared }

/// <summary><c>Unlearning:Oidc</c>: optional OpenID Connect sign-in (configuration only, docs/lab-identity.md).</summary>
public sealed class OidcSettings
{
    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    /// <summary>Button text on the sign-in page.</summary>
    public string DisplayName { get; set; } = "single sign-on";
    /// <summary>The identity provider's claim that carries roles or groups.</summary>
    public string RoleClaim { get; set; } = "roles";
    /// <summary>Provider role/group value → our role (Admin, Researcher, Viewer).</summary>
    public Dictionary<string, string> RoleMap { get; set; } = [];
    /// <summary>Role of a provider user whose claims map to none (empty: such users are refused).</summary>
    public string? DefaultRole { get; set; } = "Viewer";
    /// <summary>The provider's claim used as the user (and owner) name.</summary>
    public string NameClaim { get; set; } = "preferred_username";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}

/// <summary>The resolved mode of this web process and the settings that shaped it.</summary>
public sealed record LabMode(LabModeKind Kind, bool AllowUnauthenticatedNetwork, OidcSettings Oidc)
{
    public bool IsShared => Kind == LabModeKind.Shared;

    /// <summary>The single user of local mode (owner name and display name).</summary>
    public const string LocalUserName = "local";

    /// <summary>
    /// <c>Unlearning:Mode</c> = local | shared. Unset, the mode is shared when a configured URL binds beyond loopback
    /// (docs/lab-identity.md, "Modes"). An explicit <c>local</c> on such an address is refused unless
    /// <c>Unlearning:AllowUnauthenticatedNetwork</c> is true: anyone on the network could then delete anything.
    /// </summary>
    /// <exception cref="LabModeException">The settings are contradictory or unknown (one-line message).</exception>
    public static LabMode Resolve(IConfiguration config)
    {
        var oidc = new OidcSettings();
        config.GetSection("Unlearning:Oidc").Bind(oidc);
        bool allow = ParseBool(config["Unlearning:AllowUnauthenticatedNetwork"], "Unlearning:AllowUnauthenticatedNetwork");
        var exposed = NonLoopbackUrls(config).FirstOrDefault();
        var mode = config["Unlearning:Mode"]?.Trim();
        LabModeKind kind;
        if (string.IsNullOrEmpty(mode)) kind = exposed is null || allow ? LabModeKind.Local : LabModeKind.Shared;
        else if (mode.Equals("shared", StringComparison.OrdinalIgnoreCase)) kind = LabModeKind.Shared;
        else if (mode.Equals("local", StringComparison.OrdinalIgnoreCase))
        {
            kind = LabModeKind.Local;
            if (exposed is not null && !allow) throw new LabModeException(RefusalMessage(exposed));
        }
        else throw new LabModeException($"Unlearning:Mode must be 'local' or 'shared', not '{mode}'.");
        if (kind == LabModeKind.Shared && oidc.Enabled && oidc.DefaultRole is { Length: > 0 } d && Identity.LabRoles.Parse(d) is null)
            throw new LabModeException($"Unlearning:Oidc:DefaultRole '{d}' is not a role (Admin, Researcher, Viewer).");
        foreach (var (from, to) in oidc.RoleMap)
            if (Identity.LabRoles.Parse(to) is null) throw new LabModeException($"Unlearning:Oidc:RoleMap maps '{from}' to '{to}', which is not a role (Admin, Researcher, Viewer).");
        return new LabMode(kind, allow, oidc);
    }

    public static string RefusalMessage(string address) =>
        $"Refusing to start: local mode has no sign-in, and {address} is reachable beyond this machine. Use Unlearning:Mode=shared " +
        "(and create an admin with the 'users' verb), bind to 127.0.0.1, or set Unlearning:AllowUnauthenticatedNetwork=true to accept the risk.";

    private static bool ParseBool(string? value, string key) =>
        string.IsNullOrWhiteSpace(value) ? false
        : bool.TryParse(value.Trim(), out var b) ? b : throw new LabModeException($"{key} must be true or false, not '{value}'.");

    /// <summary>Configured listening URLs (Urls, ASPNETCORE_URLS, Kestrel:Endpoints) whose host is not loopback.</summary>
    public static IEnumerable<string> NonLoopbackUrls(IConfiguration config)
    {
        var urls = new List<string>();
        // Kestrel's precedence: Urls (also --urls, ASPNETCORE_URLS), else HTTP_PORTS/HTTPS_PORTS (all interfaces).
        if (config["Urls"] is { Length: > 0 } configured) urls.AddRange(configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        else
            foreach (var key in new[] { "HTTP_PORTS", "HTTPS_PORTS" })
                if (config[key] is { Length: > 0 } ports)
                    urls.AddRange(ports.Split(';', ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}"));
        foreach (var endpoint in config.GetSection("Kestrel:Endpoints").GetChildren())
            if (endpoint["Url"] is { Length: > 0 } u) urls.Add(u);
        return urls.Distinct().Where(u => !IsLoopbackUrl(u));
    }

    /// <summary>True when the URL's host is a loopback name or address ("localhost", 127.x, ::1).</summary>
    public static bool IsLoopbackUrl(string url)
    {
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) is int i and >= 0 ? i + 3 : 0)..];
        var host = rest.StartsWith('[') ? rest[1..Math.Max(1, rest.IndexOf(']'))] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}

/// <summary>The mode settings cannot be honoured; the message is one line for the console.</summary>
public sealed class LabModeException(string message) : Exception(message);
