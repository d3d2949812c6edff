using Unlearning.Core;
using Unlearning.Core.Experiments;
using Unlearning.Web.Cli;

namespace Unlearning.Tests.Web.Workers;

/// <summary>Bad database and worker settings, and bad <c>worker</c> arguments, are refused with a clear message (docs/lab-workers.md, "Settings").</summary>
public sealed class WorkerSettingsTests
{
    [Theory]
    [InlineData("mysql", null, "not known")]
    [InlineData("postgres", null, "ConnectionString is empty")]
    [InlineData("postgres", "  ", "ConnectionString is empty")]
    [InlineData("postgres", "Host=db;NoSuchKeyword=1", "not a valid PostgreSQL connection string")]
    public void Bad_database_settings_are_refused_with_a_clear_message(string provider, string? connectionString, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ResolvedDatabase.From(new DatabaseOptions { Provider = provider, ConnectionString = connectionString }, "/tmp/x.db"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_default_is_sqlite_at_the_given_path_and_postgres_never_prints_its_password()
    {
        var sqlite = ResolvedDatabase.From(new DatabaseOptions(), "/tmp/app/unlearning.db");
        Assert.False(sqlite.IsPostgres);
        Assert.Equal("Data Source=/tmp/app/unlearning.db", sqlite.ConnectionString);
        var pg = ResolvedDatabase.From(new DatabaseOptions { Provider = "Postgres", ConnectionString = "Host=db;Database=u;Username=u;Password=s3cret" }, "/unused");
        Assert.True(pg.IsPostgres);
        Assert.DoesNotContain("s3cret", pg.ToString());
        Assert.Contains("Host=db", pg.ToString());
    }

    [Theory]
    [InlineData("", "name at least one queue")]
    [InlineData("GPU-0", "not a valid name")]
    [InlineData("gpu 0", "not a valid name")]
    [InlineData("gpu-0,../x", "not a valid name")]
    public void Bad_queue_names_are_refused(string queues, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => WorkerOptions.ParseQueues(queues, "--queues"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("--queues", e.Message);
    }

    [Fact]
    public void Queues_are_trimmed_and_deduplicated_in_order()
    {
        Assert.Equal(["gpu-0", "default"], WorkerOptions.ParseQueues(" gpu-0 , default,gpu-0", "q"));
    }

    [Theory]
    [InlineData(-1, 2, 60, 300, "LocalWorkers")]
    [InlineData(1, 0, 60, 300, "MaxAttempts")]
    [InlineData(1, 2, 1, 300, "LeaseSeconds")]
    [InlineData(1, 2, 60, 30, "InvisibilitySeconds")]
    public void Out_of_range_worker_settings_are_refused(int local, int attempts, int lease, int invisibility, string expected)
    {
        var o = new WorkerOptions { LocalWorkers = local, MaxAttempts = attempts, LeaseSeconds = lease, InvisibilitySeconds = invisibility };
        Assert.Contains(expected, Assert.Throws<ArgumentException>(o.Validate).Message);
    }

    [Theory]
    [InlineData("--queues", "Gpu 0", "not a valid name")]
    [InlineData("--workers", "0", "--workers must be between 1 and 64")]
    public async Task The_worker_verb_refuses_bad_arguments_with_one_line_and_exit_code_2(string option, string value, string expected)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CommandLine.RunAsync(["worker", option, value], output, error);
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", error.ToString());
        Assert.Contains(expected, error.ToString());
        Assert.DoesNotContain("   at ", error.ToString());
    }
}
