using Unlearning.Core.Data;
using Unlearning.Core.Models;

namespace Unlearning.Web.Api;

/// <summary>Stores uploaded checkpoints under <c>{AppFolder}/uploads/</c> after checking that they load into the chosen architecture.</summary>
public static class CheckpointUploads
{
    public static string RelativePath(string uploadId)
    {
        if (!Guid.TryParseExact(uploadId, "N", out _)) throw new ArgumentException($"Upload id '{uploadId}' is not valid.");
        return Path.Combine("uploads", uploadId + ".pth");
    }

    /// <summary>Saves the file and verifies it is a checkpoint of the architecture; a bad file is deleted and reported as InvalidDataException.</summary>
    public static async Task<string> SaveAndValidateAsync(IFormFile file, DatasetInfo info, ArchitectureInfo arch, string appFolder, long maxBytes)
    {
        if (file.Length == 0) throw new ArgumentException("The uploaded file is empty.");
        if (file.Length > maxBytes) throw new BadHttpRequestException($"The file is larger than {maxBytes / 1048576} MB.", 413);
        await using var stream = file.OpenReadStream();
        return await SaveAndValidateAsync(stream, info, arch, appFolder);
    }

    public static async Task<string> SaveAndValidateAsync(Stream content, DatasetInfo info, ArchitectureInfo arch, string appFolder)
    {
        var id = Guid.NewGuid().ToString("N");
        var relative = RelativePath(id);
        var full = Path.Combine(appFolder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await using (var f = File.Create(full)) await content.CopyToAsync(f);
        try
        {
            using var model = arch.Create(info);
            Checkpoint.Load(model, full);
        }
        catch
        {
            File.Delete(full);
            throw;
        }
        return relative;
    }
}
