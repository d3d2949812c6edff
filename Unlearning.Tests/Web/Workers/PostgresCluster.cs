using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Unlearning.Tests.Web.Workers;

/// <summary>
/// A throwaway PostgreSQL cluster for one test: Debian's server binaries (/usr/lib/postgresql/*/bin, installed by
/// test.sh), a data folder and unix socket in a temporary folder, a free port, trust authentication on the socket only
/// (no TCP listener). As root the server runs as the <c>postgres</c> user, as PostgreSQL refuses to run as root.
/// </summary>
internal sealed class PostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly int _port;
    private readonly bool _asPostgresUser;

    private PostgresCluster(string bin, string dir, int port, bool asPostgresUser)
    {
        _bin = bin;
        _dir = dir;
        _port = port;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>The folder holding initdb and pg_ctl, or null when PostgreSQL's server is not installed.</summary>
    public static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.EnumerateDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
            .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
            .FirstOrDefault();
    }

    public const string SkipReason = "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl) are not installed; test.sh installs Debian's 'postgresql' package.";

    /// <summary>Creates and starts a cluster with a database <c>unlearning</c>.</summary>
    public static PostgresCluster Start()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(SkipReason);
        // A short path: the socket's path must fit in 107 bytes.
        var dir = Path.Combine("/tmp", "ulpg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        bool root = Environment.UserName == "root" || geteuid() == 0;
        var cluster = new PostgresCluster(bin, dir, FreePort(), root);
        if (root) Run("chown", ["-R", "postgres", dir]);
        cluster.Pg("initdb", ["-D", cluster.DataDir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
        cluster.Pg("pg_ctl", ["-D", cluster.DataDir, "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60", "-o",
            $"-k {dir} -p {cluster._port} -c listen_addresses= -c fsync=off -c max_connections=200", "start"]);
        using (var c = new Npgsql.NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE DATABASE unlearning";
            cmd.ExecuteNonQuery();
        }
        return cluster;
    }

    private string DataDir => Path.Combine(_dir, "data");

    public string ConnectionString(string database = "unlearning") =>
        $"Host={_dir};Port={_port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20";

    public string ServerLog => File.Exists(Path.Combine(_dir, "server.log")) ? File.ReadAllText(Path.Combine(_dir, "server.log")) : "";

    private void Pg(string tool, string[] args)
    {
        var exe = Path.Combine(_bin, tool);
        if (_asPostgresUser) Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        else Run(exe, args);
    }

    private static void Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{file} did not finish in 2 minutes."); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stdout.Result}{stderr.Result}");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    public void Dispose()
    {
        try { Pg("pg_ctl", ["-D", DataDir, "-m", "immediate", "-w", "stop"]); }
        catch (Exception) { }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
