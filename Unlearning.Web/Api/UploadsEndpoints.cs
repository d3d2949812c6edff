using Microsoft.AspNetCore.Http.HttpResults;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Unlearning.Core.Data;
using Unlearning.Core.Models;

namespace Unlearning.Web.Api;

/// <summary><c>/api/uploads</c>: a checkpoint file in, an upload job (its evaluation) queued.</summary>
public static class UploadsEndpoints
{
    /// <summary>Room for the form fields and multipart headers on top of the file's own limit.</summary>
    private const long FormOverheadBytes = 64 * 1024;

    public static RouteGroupBuilder MapUploadsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/uploads").WithTags("Uploads");
        group.MapPost("", Upload).RequireAuthorization(Security.LabPolicies.Write)
            .WithSummary("Upload a checkpoint (.pth state dict or ours) of the chosen architecture as multipart/form-data field 'file' and enqueue its evaluation")
            .Accepts<IFormFile>("multipart/form-data");
        return group;
    }

    /// <summary>
    /// Reads the multipart body section by section: the file is streamed to the upload folder (limit enforced while it
    /// arrives, 413 above it) and the small fields (dataset, architecture, forgetClass, seed) are read as text.
    /// The checkpoint itself is checked by the upload job on the worker.
    /// </summary>
    /// <summary>Longest text form field (dataset, architecture, forgetClass, seed) an upload may carry.</summary>
    private const int MaxFieldLength = 200;

    private static async Task<Results<Created<JobsCreatedDto>, ProblemHttpResult>> Upload(HttpContext context, CheckpointUploads uploads, Security.LabMode mode)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Send the checkpoint as multipart/form-data with field 'file'.");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = uploads.MaxBytes + FormOverheadBytes;

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? saved = null;
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
            while (await reader.ReadNextSectionAsync(context.RequestAborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.FileName.HasValue || disposition.FileNameStar.HasValue)
                {
                    if (saved is not null) return ApiProblems.BadRequest("Send one checkpoint file per upload.");
                    saved = await uploads.SaveAsync(section.Body, context.RequestAborted);
                }
                else
                {
                    using var text = new StreamReader(section.Body);
                    if (await BoundedText.ReadAsync(text, MaxFieldLength, context.RequestAborted) is not { } value)
                        return ApiProblems.BadRequest($"Form field '{name}' is too long.");
                    fields[name] = value;
                }
            }
            if (saved is null) return ApiProblems.BadRequest("Send the checkpoint as multipart field 'file'.");

            var dataset = fields.GetValueOrDefault("dataset") ?? DatasetCatalog.FashionMnist.Id;
            var architecture = fields.GetValueOrDefault("architecture") ?? ModelCatalog.Compact.Id;
            if (DatasetCatalog.TryGet(dataset) is not { } info) return ApiProblems.BadRequest($"Unknown dataset '{dataset}'.");
            if (ModelCatalog.TryGet(architecture) is not { } arch) return ApiProblems.BadRequest($"Unknown architecture '{architecture}'.");
            var forgetSet = fields.GetValueOrDefault("forgetSet") is { Length: > 0 } fs ? fs : null;
            int forgetClass = -1;
            if (forgetSet is null && !int.TryParse(fields.GetValueOrDefault("forgetClass"), NumberStyles.Integer, CultureInfo.InvariantCulture, out forgetClass))
                return ApiProblems.BadRequest("forgetSet (or its shorthand forgetClass, a class index) is required.");
            long? seed = null;
            if (fields.GetValueOrDefault("seed") is { Length: > 0 } s)
                seed = long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"seed '{s}' is not a whole number.");

            var jobs = uploads.Enqueue(saved, info, arch, forgetClass, seed, forgetSet, Security.LabAccess.OwnerName(context.User, mode));
            saved = null; // the job owns the file now
            return TypedResults.Created($"/api/jobs/{jobs[0].Id}", JobsCreatedDto.From(jobs));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's body limit (the file's limit plus the form's overhead) stopped the request before our own count did.
            return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, uploads.TooLargeMessage);
        }
        finally
        {
            if (saved is not null) uploads.Delete(saved);
        }
    }
}
