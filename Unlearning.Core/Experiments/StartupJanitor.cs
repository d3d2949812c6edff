using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Unlearning.Core.Experiments;

/// <summary>What one clean-up removed.</summary>
public sealed record JanitorReport(IReadOnlyList<string> Uploads, IReadOnlyList<string> TemporaryFiles, IReadOnlyList<string> EmptyFolders)
{
    public int Total => Uploads.Count + TemporaryFiles.Count + EmptyFolders.Count;
}

/// <summary>
/// Removes what a kill -9 leaves behind, once at start-up (before the server answers requests, so nothing it looks
/// at can be in use): uploads in <c>{AppFolder}/uploads/</c> that no queued job refers to (refused or abandoned
/// uploads, uploads of cancelled jobs and of jobs the crash interrupted), our temporary files (<c>*.tmp-*</c> from atomic writes, anything
/// in <c>{AppFolder}/tmp/</c>), and <c>artifacts/&lt;id&gt;/</c> folders that are empty and have no database row
/// (an import or job killed between creating the folder and writing into it). It logs each removal.
/// </summary>
public sealed class StartupJanitor(ExperimentStore store, ILogger<StartupJanitor>? logger = null) : IHostedService
{
    private readonly ILogger _log = logger ?? (ILogger)NullLogger.Instance;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Migrate();
        Clean();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public JanitorReport Clean()
    {
        var artifacts = store.Artifacts;
        HashSet<string> keptUploads;
        HashSet<string> reserved;
        HashSet<string> rows;
        using (var db = store.NewContext())
        {
            // Before the worker starts, no job of this process runs: a row still marked Running was interrupted by a
            // crash (start-up recovery marks it failed), so only queued jobs keep their upload and reserved folder.
            var active = db.Jobs.Where(j => j.Status == JobStatus.Queued)
                .Select(j => new { j.UploadPath, j.ReservedExperimentId }).ToList();
            keptUploads = [.. active.Where(j => j.UploadPath != null).Select(j => Path.GetFullPath(artifacts.Resolve(j.UploadPath!)))];
            reserved = [.. active.Where(j => j.ReservedExperimentId != null).Select(j => j.ReservedExperimentId!)];
            rows = [.. db.Experiments.Select(e => e.Id)];
        }

        var temporary = new List<string>();
        if (Directory.Exists(artifacts.AppFolder))
        {
            foreach (var f in Directory.EnumerateFiles(artifacts.AppFolder, "*.tmp-*", SearchOption.AllDirectories))
                if (TryDelete(f)) temporary.Add(f);
            var tmp = Path.Combine(artifacts.AppFolder, "tmp");
            if (Directory.Exists(tmp))
                foreach (var f in Directory.EnumerateFiles(tmp, "*", SearchOption.AllDirectories))
                    if (TryDelete(f)) temporary.Add(f);
        }

        var uploads = new List<string>();
        if (Directory.Exists(artifacts.UploadsFolder))
            foreach (var f in Directory.EnumerateFiles(artifacts.UploadsFolder))
                if (!keptUploads.Contains(Path.GetFullPath(f)) && TryDelete(f)) uploads.Add(f);

        var folders = new List<string>();
        if (Directory.Exists(artifacts.Root))
            foreach (var dir in Directory.EnumerateDirectories(artifacts.Root))
            {
                var id = Path.GetFileName(dir);
                if (rows.Contains(id) || reserved.Contains(id) || Directory.EnumerateFileSystemEntries(dir).Any()) continue;
                try { Directory.Delete(dir); folders.Add(dir); }
                catch (IOException e) { _log.LogWarning("Could not remove the empty folder {Folder}: {Reason}", dir, e.Message); }
            }

        var report = new JanitorReport(uploads, temporary, folders);
        foreach (var f in uploads) _log.LogInformation("Removed orphaned upload {File}.", artifacts.Relative(f));
        foreach (var f in temporary) _log.LogInformation("Removed temporary file {File}.", artifacts.Relative(f));
        foreach (var d in folders) _log.LogInformation("Removed empty experiment folder {Folder} (no database row).", artifacts.Relative(d));
        if (report.Total > 0)
            _log.LogWarning("Start-up clean-up removed {Uploads} orphaned upload(s), {Temp} temporary file(s) and {Folders} empty experiment folder(s).",
                uploads.Count, temporary.Count, folders.Count);
        return report;
    }

    private bool TryDelete(string file)
    {
        try { File.Delete(file); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("Could not remove {File}: {Reason}", file, e.Message);
            return false;
        }
    }
}
