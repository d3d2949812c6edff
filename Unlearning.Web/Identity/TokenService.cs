using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Unlearning.Web.Identity;

/// <summary>A token as its owner sees it in the list (never the token text itself).</summary>
public sealed record TokenInfo(long Id, string Name, string Scope, DateTime CreatedUtc, DateTime? LastUsedUtc, DateTime? RevokedUtc);

/// <summary>
/// Personal access tokens (docs/lab-identity.md, "Tokens"): 32 random bytes shown once as <c>ulab_…</c>; the database
/// keeps their SHA-256 only, so a stolen database copy yields no usable token.
/// </summary>
public sealed class TokenService(LabIdentityDbContext db, UserManager<LabUser> users)
{
    public const string Prefix = "ulab_";
    public const int MaxTokensPerUser = 50;

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Creates a token; returns its text (to show once) and its listing.</summary>
    public async Task<(string Token, TokenInfo Info)> CreateAsync(string userId, string? name, string? scope)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("Give the token a name (what it is for).");
        if (name.Length > PersonalAccessToken.MaxNameLength) throw new ArgumentException($"A token name has at most {PersonalAccessToken.MaxNameLength} characters.");
        if (name.Any(char.IsControl)) throw new ArgumentException("A token name may not contain control characters.");
        scope = scope?.Trim().ToLowerInvariant();
        if (scope is not (TokenScopes.Read or TokenScopes.Write)) throw new ArgumentException("The scope is 'read' or 'write'.");
        var user = await users.FindByIdAsync(userId) ?? throw new KeyNotFoundException("The user no longer exists.");
        if (scope == TokenScopes.Write && !await CanWriteAsync(user))
            throw new UnauthorizedAccessException("Viewers can create read tokens only.");
        if (await db.PersonalAccessTokens.CountAsync(t => t.UserId == userId && t.RevokedUtc == null) >= MaxTokensPerUser)
            throw new ArgumentException($"At most {MaxTokensPerUser} active tokens per user; revoke some first.");
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var row = new PersonalAccessToken { UserId = userId, Name = name, Scope = scope, Hash = HashOf(token), CreatedUtc = DateTime.UtcNow };
        db.PersonalAccessTokens.Add(row);
        await db.SaveChangesAsync();
        return (token, Info(row));
    }

    public async Task<IReadOnlyList<TokenInfo>> ListAsync(string userId) =>
        (await db.PersonalAccessTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync()).Select(Info).ToList();

    /// <summary>Revokes one of the user's tokens; false when it is not theirs or does not exist.</summary>
    public async Task<bool> RevokeAsync(string userId, long id)
    {
        var row = await db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Id == id && t.UserId == userId);
        if (row is null) return false;
        row.RevokedUtc ??= DateTime.UtcNow;
        await db.SaveChangesAsync();
        return true;
    }

    /// <summary>The principal of a valid token (its user's current roles, the token's scope), or null.</summary>
    public async Task<ClaimsPrincipal?> AuthenticateAsync(string token, string scheme)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100) return null;
        var hash = HashOf(token);
        var row = await db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Hash == hash);
        if (row is null || row.RevokedUtc is not null) return null;
        var user = await users.FindByIdAsync(row.UserId);
        if (user is null || await users.IsLockedOutAsync(user)) return null;
        // Last use to the minute: one write per token and minute at most.
        if (row.LastUsedUtc is null || DateTime.UtcNow - row.LastUsedUtc > TimeSpan.FromMinutes(1))
        {
            row.LastUsedUtc = DateTime.UtcNow;
            await db.SaveChangesAsync();
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id), new(ClaimTypes.Name, user.UserName ?? ""), new(TokenScopes.ClaimType, row.Scope),
        };
        claims.AddRange((await users.GetRolesAsync(user)).Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    private async Task<bool> CanWriteAsync(LabUser user) =>
        await users.IsInRoleAsync(user, LabRoles.Admin) || await users.IsInRoleAsync(user, LabRoles.Researcher);

    private static TokenInfo Info(PersonalAccessToken t) => new(t.Id, t.Name, t.Scope, t.CreatedUtc, t.LastUsedUtc, t.RevokedUtc);
}
