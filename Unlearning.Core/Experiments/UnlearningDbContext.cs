using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Unlearning.Core.Experiments;

/// <summary>
/// EF Core context over the store of experiments and jobs (docs/results-format.md, "Storage"): SQLite by default, or
/// PostgreSQL through <see cref="PostgresUnlearningDbContext"/>, which only exists to own that provider's migrations
/// (docs/lab-workers.md, "Database").
/// </summary>
public class UnlearningDbContext : DbContext
{
    public UnlearningDbContext(DbContextOptions<UnlearningDbContext> options) : base(options) { }

    /// <summary>For <see cref="PostgresUnlearningDbContext"/>: the same model under another type, so that EF picks its own migrations.</summary>
    protected UnlearningDbContext(DbContextOptions options) : base(options) { }

    public DbSet<Experiment> Experiments => Set<Experiment>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<ForgetSet> ForgetSets => Set<ForgetSet>();
    public DbSet<ForgettingQualityRecord> ForgettingQuality => Set<ForgettingQualityRecord>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        // SQLite returns DateTime with Kind=Unspecified: everything stored is UTC, so say so on the way out.
        // PostgreSQL's timestamptz takes only Kind=Utc, so say so on the way in too (SQLite stores the same text either way).
        var utc = new ValueConverter<DateTime, DateTime>(v => DateTime.SpecifyKind(v, DateTimeKind.Utc), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        var utcNullable = new ValueConverter<DateTime?, DateTime?>(v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v,
            v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);

        b.Entity<Experiment>(e =>
        {
            e.HasKey(x => x.Id);
            // Baselines of sample forget sets carry the set's id (000s-{set}-{dataset}-{architecture}, + "-seed{n}" for extra Retrained seeds).
            e.Property(x => x.Id).HasMaxLength(96);
            e.Property(x => x.Type).HasConversion<string>();
            e.Property(x => x.Status).HasConversion<string>();
            e.Property(x => x.CreatedUtc).HasConversion(utc);
            e.HasIndex(x => new { x.Dataset, x.Architecture, x.ForgetClass });
            e.HasIndex(x => new { x.Dataset, x.Architecture, x.ForgetSetId });
        });
        b.Entity<ForgetSet>(e =>
        {
            e.HasKey(x => new { x.Dataset, x.Id });
            e.Property(x => x.Kind).HasConversion<string>();
            e.Property(x => x.CreatedUtc).HasConversion(utc);
        });
        b.Entity<Job>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasConversion<string>();
            e.Property(x => x.Status).HasConversion<string>();
            e.Property(x => x.CreatedUtc).HasConversion(utc);
            e.Property(x => x.StartedUtc).HasConversion(utcNullable);
            e.Property(x => x.FinishedUtc).HasConversion(utcNullable);
            e.Property(x => x.LeaseUntilUtc).HasConversion(utcNullable);
            e.Property(x => x.WorkerId).HasMaxLength(Job.MaxWorkerIdLength);
            e.Property(x => x.Queue).HasMaxLength(50);
            e.HasIndex(x => x.Status);
        });
        b.Entity<ForgettingQualityRecord>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.CreatedUtc).HasConversion(utc);
            e.HasIndex(x => new { x.Dataset, x.Architecture, x.ForgetSetId });
        });
    }
}

/// <summary>The PostgreSQL variant of <see cref="UnlearningDbContext"/>: same model, its own migrations (Experiments/Migrations/Postgres).</summary>
public sealed class PostgresUnlearningDbContext(DbContextOptions<UnlearningDbContext> options) : UnlearningDbContext((DbContextOptions)options);

/// <summary>Lets <c>dotnet ef migrations add</c> build the context at design time.</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<UnlearningDbContext>
{
    public UnlearningDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<UnlearningDbContext>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add X --context PostgresUnlearningDbContext --output-dir Experiments/Migrations/Postgres</c> build it (no connection is opened).</summary>
public sealed class PostgresDesignTimeContextFactory : IDesignTimeDbContextFactory<PostgresUnlearningDbContext>
{
    public PostgresUnlearningDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<UnlearningDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}

/// <summary>The database the app's contexts use, after resolving configuration (docs/lab-workers.md, "Database").</summary>
/// <param name="Provider"><see cref="DatabaseOptions.Sqlite"/> or <see cref="DatabaseOptions.Postgres"/>.</param>
/// <param name="ConnectionString">The provider's connection string.</param>
public sealed record ResolvedDatabase(string Provider, string ConnectionString)
{
    public bool IsPostgres => Provider == DatabaseOptions.Postgres;

    /// <summary>Resolves <c>Unlearning:Database</c>: SQLite at <paramref name="sqlitePath"/> unless PostgreSQL is chosen; clear errors otherwise.</summary>
    public static ResolvedDatabase From(DatabaseOptions options, string sqlitePath)
    {
        var provider = (options.Provider ?? "").Trim().ToLowerInvariant();
        switch (provider)
        {
            case "" or DatabaseOptions.Sqlite:
                return new(DatabaseOptions.Sqlite, $"Data Source={sqlitePath}");
            case DatabaseOptions.Postgres or "postgresql":
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                    throw new ArgumentException("Unlearning:Database:Provider is 'postgres' but Unlearning:Database:ConnectionString is empty; give an Npgsql connection string, e.g. 'Host=db;Database=unlearning;Username=unlearning;Password=...'.");
                try { _ = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString); }
                catch (ArgumentException e) { throw new ArgumentException($"Unlearning:Database:ConnectionString is not a valid PostgreSQL connection string: {e.Message}"); }
                return new(DatabaseOptions.Postgres, options.ConnectionString);
            default:
                throw new ArgumentException($"Unlearning:Database:Provider '{options.Provider}' is not known: use 'sqlite' (default) or 'postgres'.");
        }
    }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => IsPostgres
        ? $"postgres ({new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Password = null }.ConnectionString})"
        : $"sqlite ({ConnectionString["Data Source=".Length..]})";
}

/// <summary>The one place that turns a <see cref="ResolvedDatabase"/> into EF Core provider options (the identity context uses it too).</summary>
public static class DatabaseSetup
{
    /// <summary>Configures SQLite or PostgreSQL; <paramref name="historyTable"/> names the migrations history table when a second context shares the database.</summary>
    public static DbContextOptionsBuilder UseUnlearningDatabase(this DbContextOptionsBuilder b, ResolvedDatabase db, string? historyTable = null) =>
        db.IsPostgres
            ? b.UseNpgsql(db.ConnectionString, o => { if (historyTable is not null) o.MigrationsHistoryTable(historyTable); })
            : b.UseSqlite(db.ConnectionString, o => { if (historyTable is not null) o.MigrationsHistoryTable(historyTable); });
}
