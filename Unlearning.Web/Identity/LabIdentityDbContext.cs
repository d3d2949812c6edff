using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Unlearning.Core;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Identity;

/// <summary>A lab member who signs in (shared mode, docs/lab-identity.md).</summary>
public sealed class LabUser : IdentityUser;

/// <summary>The three roles (docs/lab-identity.md, "Roles").</summary>
public static class LabRoles
{
    public const string Admin = "Admin";
    public const string Researcher = "Researcher";
    public const string Viewer = "Viewer";
    public static readonly string[] All = [Admin, Researcher, Viewer];

    /// <summary>The role spelled as we spell it, or null when <paramref name="name"/> is not one.</summary>
    public static string? Parse(string? name) => All.FirstOrDefault(r => string.Equals(r, name?.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// A personal access token for the HTTP API: only the SHA-256 of the token is stored (docs/lab-identity.md, "Tokens").
/// </summary>
public sealed class PersonalAccessToken
{
    public const int MaxNameLength = 100;

    public long Id { get; set; }
    [MaxLength(450)] public string UserId { get; set; } = "";
    [MaxLength(MaxNameLength)] public string Name { get; set; } = "";
    /// <summary>Lower-case hex SHA-256 of the whole token text.</summary>
    [MaxLength(64)] public string Hash { get; set; } = "";
    /// <summary><see cref="TokenScopes.Read"/> or <see cref="TokenScopes.Write"/>.</summary>
    [MaxLength(16)] public string Scope { get; set; } = TokenScopes.Read;
    public DateTime CreatedUtc { get; set; }
    public DateTime? LastUsedUtc { get; set; }
    public DateTime? RevokedUtc { get; set; }
}

public static class TokenScopes
{
    public const string Read = "read";
    public const string Write = "write";
    /// <summary>Claim on a token-authenticated principal naming the token's scope (cookie sign-ins have none).</summary>
    public const string ClaimType = "unlearning:scope";
}

/// <summary>One ASP.NET data-protection key (XML), so that sign-in cookies survive restarts and work on every web process.</summary>
public sealed class DataProtectionKeyRow
{
    public int Id { get; set; }
    [MaxLength(200)] public string? FriendlyName { get; set; }
    public string Xml { get; set; } = "";
}

/// <summary>
/// Users, roles, personal access tokens and data-protection keys. It lives in the experiments' database file with its own
/// migrations history table (<see cref="LabIdentityDatabase.HistoryTable"/>) and migrations folder (Identity/Migrations),
/// so that Core's migrations and these never see each other.
/// </summary>
public class LabIdentityDbContext(DbContextOptions options) : IdentityDbContext<LabUser>(options)
{
    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();
    public DbSet<DataProtectionKeyRow> DataProtectionKeys => Set<DataProtectionKeyRow>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<PersonalAccessToken>(t =>
        {
            t.ToTable("LabAccessTokens");
            t.HasIndex(x => x.Hash).IsUnique();
            t.HasIndex(x => x.UserId);
            t.HasOne<LabUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<DataProtectionKeyRow>().ToTable("LabDataProtectionKeys");
    }
}

/// <summary>
/// The PostgreSQL variant of <see cref="LabIdentityDbContext"/>: the same model under another type, so that EF applies
/// that provider's migrations (Identity/Migrations/Postgres), as Core does for the experiments (docs/lab-workers.md).
/// </summary>
public sealed class PostgresLabIdentityDbContext(DbContextOptions options) : LabIdentityDbContext(options);

/// <summary>For <c>dotnet ef migrations add X --project Unlearning.Web --context PostgresLabIdentityDbContext --output-dir Identity/Migrations/Postgres</c> (no connection is opened).</summary>
public sealed class PostgresLabIdentityDesignTimeFactory : IDesignTimeDbContextFactory<PostgresLabIdentityDbContext>
{
    public PostgresLabIdentityDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresLabIdentityDbContext>()
            .UseUnlearningDatabase(new ResolvedDatabase(DatabaseOptions.Postgres, "Host=design-time"), LabIdentityDatabase.HistoryTable).Options);
}

/// <summary>The one place that chooses the identity store's database provider and file.</summary>
public static class LabIdentityDatabase
{
    public const string HistoryTable = "__IdentityMigrationsHistory";

    /// <summary>
    /// Points the identity context at the experiments' database (SQLite file or PostgreSQL, <see cref="ResolvedDatabase"/>),
    /// with its own migrations history table.
    /// </summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, ResolvedDatabase database) =>
        options.UseUnlearningDatabase(database, HistoryTable);

    /// <summary>A context of the type whose migrations fit the provider.</summary>
    public static LabIdentityDbContext Create(ResolvedDatabase database)
    {
        var options = Configure(new DbContextOptionsBuilder<LabIdentityDbContext>(), database).Options;
        return database.IsPostgres ? new PostgresLabIdentityDbContext(options) : new LabIdentityDbContext(options);
    }

    /// <summary>Creates or upgrades the identity tables and the three roles.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<LabIdentityDbContext>();
        await db.Database.MigrateAsync(ct);
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in LabRoles.All)
            if (!await roles.RoleExistsAsync(role))
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
    }

    internal static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded) throw new InvalidOperationException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
    }
}

/// <summary>For <c>dotnet ef migrations add X --project Unlearning.Web --output-dir Identity/Migrations --context LabIdentityDbContext</c>.</summary>
public sealed class LabIdentityDesignTimeFactory : IDesignTimeDbContextFactory<LabIdentityDbContext>
{
    public LabIdentityDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<LabIdentityDbContext>();
        LabIdentityDatabase.Configure(options, new ResolvedDatabase(DatabaseOptions.Sqlite, "Data Source=design-time.db"));
        return new(options.Options);
    }
}
