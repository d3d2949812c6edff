using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Unlearning.Core.Experiments;

/// <summary>EF Core context over the SQLite store of experiments and jobs (docs/results-format.md, "Storage").</summary>
public sealed class UnlearningDbContext(DbContextOptions<UnlearningDbContext> options) : DbContext(options)
{
    public DbSet<Experiment> Experiments => Set<Experiment>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<ForgetSet> ForgetSets => Set<ForgetSet>();
    public DbSet<ForgettingQualityRecord> ForgettingQuality => Set<ForgettingQualityRecord>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        // SQLite returns DateTime with Kind=Unspecified: everything stored is UTC, so say so on the way out.
        var utc = new ValueConverter<DateTime, DateTime>(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        var utcNullable = new ValueConverter<DateTime?, DateTime?>(v => v, v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);

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

/// <summary>Lets <c>dotnet ef migrations add</c> build the context at design time.</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<UnlearningDbContext>
{
    public UnlearningDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<UnlearningDbContext>().UseSqlite("Data Source=design.db").Options);
}
