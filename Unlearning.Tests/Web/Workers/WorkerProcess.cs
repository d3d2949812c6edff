using System.Diagnostics;
using System.Text;

namespace Unlearning.Tests.Web.Workers;

/// <summary>Skipped, with the reason, only when PostgreSQL's server binaries are absent (test.sh installs them).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresCluster.FindBinaries() is null) Skip = PostgresCluster.SkipReason;
    }
}

/// <summary>
/// <c>dotnet Unlearning.Web.dll worker …</c> as a real process (the built app beside the tests' output), its output
/// kept for the failure message.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public WorkerProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var dll = typeof(Unlearning.Web.WebSetup).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("worker");
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>SIGKILL: no shutdown code runs (a crashed machine, an OOM kill).</summary>
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _process.WaitForExit(30_000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
