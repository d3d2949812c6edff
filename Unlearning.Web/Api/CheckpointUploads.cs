using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Models;

namespace Unlearning.Web.Api;

/// <summary>Configuration section <c>Unlearning:Uploads</c>.</summary>
public sealed class UploadOptions
{
    public const string Section = "Unlearning:Uploads";

    /// <summary>Largest accepted checkpoint upload in MB (default 200), enforced while the file is received.</summary>
    public int MaxMegabytes { get; set; } = 200;

    public long MaxBytes => MaxMegabytes * 1024L * 1024L;
}

/// <summary>
/// The one way an uploaded checkpoint enters the app, for the build dialog and for <c>POST /api/uploads</c>: the file is
/// streamed to <c>{AppFolder}/uploads/</c> with the size limit enforced while it arrives (a larger file is cut off and
/// deleted), and an upload job is queued only for a file that exists there. Nothing here touches TorchSharp: the upload
/// job loads the checkpoint into the architecture on the worker, and the queue deletes the file when that job is
/// refused, fails or is cancelled.
/// </summary>
public sealed class CheckpointUploads(ResolvedPaths paths, IOptions<UploadOptions> options, JobQueue queue)
{
    private const string Folder = "uploads";

    public long MaxBytes => options.Value.MaxBytes;

    public int MaxMegabytes => options.Value.MaxMegabytes;

    /// <summary>What a too-large upload is told (the server's own body limit says the same).</summary>
    public string TooLargeMessage => $"The file is larger than the upload limit of {MaxMegabytes} MB (setting {UploadOptions.Section}:MaxMegabytes).";

    /// <summary>
    /// Streams <paramref name="content"/> to a new upload file and returns its path relative to the app folder.
    /// More than <see cref="MaxBytes"/> → <see cref="UploadTooLargeException"/>, an empty file → ArgumentException;
    /// either way (and on a broken connection) nothing is left behind.
    /// </summary>
    public async Task<string> SaveAsync(Stream content, CancellationToken cancellation = default)
    {
        var id = Guid.NewGuid().ToString("N");
        var relative = RelativePath(id);
        var full = Path.Combine(paths.AppFolder, relative);
        var partial = full + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        try
        {
            long total = 0;
            await using (var target = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int n;
                while ((n = await content.ReadAsync(buffer, cancellation)) > 0)
                {
                    total += n;
                    if (total > MaxBytes)
                        throw new UploadTooLargeException(TooLargeMessage);
                    await target.WriteAsync(buffer.AsMemory(0, n), cancellation);
                }
            }
            if (total == 0) throw new ArgumentException("The uploaded file is empty.");
            // Zip and pickle are checked before the file is kept (bounded, no TorchSharp); loading it into the
            // architecture is the upload job's work on the worker.
            await Task.Run(() => Checkpoint.Screen(partial, MaxBytes), cancellation);
            File.Move(partial, full);
            return relative;
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>Queues the upload job (evaluation of the uploaded model) for a file saved by <see cref="SaveAsync"/>.</summary>
    public IReadOnlyList<Job> Enqueue(string relativePath, DatasetInfo info, ArchitectureInfo arch, int forgetClass, long? seed, string? forgetSet = null, string? owner = null)
    {
        try
        {
            return queue.Enqueue(new JobRequest
            {
                Kind = JobKind.Upload, Dataset = info.Id, Architecture = arch.Id, ForgetClass = forgetClass, ForgetSet = forgetSet, Seed = seed, UploadPath = relativePath, Owner = owner,
            });
        }
        catch
        {
            Delete(relativePath);
            throw;
        }
    }

    /// <summary>The stored path of upload <paramref name="uploadId"/>; KeyNotFoundException when there is no such upload (never a server path in the message).</summary>
    public string ExistingPath(string uploadId)
    {
        var relative = RelativePath(uploadId);
        if (!File.Exists(Path.Combine(paths.AppFolder, relative)))
            throw new KeyNotFoundException($"Upload '{uploadId}' does not exist (refused, already evaluated or never uploaded); upload the file again.");
        return relative;
    }

    public void Delete(string relativePath)
    {
        var full = Path.Combine(paths.AppFolder, relativePath);
        if (File.Exists(full)) File.Delete(full);
    }

    /// <summary>The id is the file name without extension: a GUID in "N" format, so it cannot name any other file.</summary>
    public static string UploadIdOf(string relativePath) => Path.GetFileNameWithoutExtension(relativePath);

    private static string RelativePath(string uploadId)
    {
        if (!Guid.TryParseExact(uploadId, "N", out _)) throw new ArgumentException($"Upload id '{uploadId}' is not valid (32 hex digits).");
        return Path.Combine(Folder, uploadId + ".pth");
    }
}
