using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Models;
using System.Security.Claims;
using Unlearning.Web.Security;

namespace Unlearning.Web.Api;

/// <summary><c>/api/experiments</c>: the experiments table, export and import, checkpoints.</summary>
public static class ExperimentsEndpoints
{
    public static RouteGroupBuilder MapExperimentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/experiments").WithTags("Experiments");
        group.MapGet("", List).WithSummary("Experiments-table rows, filtered by dataset, architecture and forget set (forgetClass: shorthand for class-{c}); each row with its gap to the Retrained models of its forget set");
        group.MapGet("/{id}", Get).WithSummary("One experiment");
        group.MapGet("/{id}/export", Export)
            .WithSummary("The experiment in the original system's JSON format (features=true adds the 2,000 × d penultimate features)");
        group.MapPost("/import", Import).RequireAuthorization(LabPolicies.Write).WithSummary("Import a result JSON file (ours or the Python tool's) as an experiment")
            .WithMetadata(new RequestSizeLimitAttribute(ExperimentTransfer.MaxImportBytes));
        group.MapDelete("/{id}", Delete).RequireAuthorization(LabPolicies.Write)
            .WithSummary("Delete an experiment and its files (baselines cannot be deleted; Researchers delete their own)");
        group.MapGet("/{id}/checkpoint", Checkpoint).WithSummary("Download the model checkpoint (TorchSharp format; ours or PyTorch .pth for uploads)");
        return group;
    }

    private static Results<Ok<ExperimentDto[]>, ProblemHttpResult> List(string? dataset, string? architecture, int? forgetClass, string? forgetSet, ExperimentStore store)
    {
        var ds = dataset is null ? null : DatasetCatalog.TryGet(dataset);
        if (dataset is not null && ds is null) return ApiProblems.BadRequest($"Unknown dataset '{dataset}'.");
        var arch = architecture is null ? null : ModelCatalog.TryGet(architecture);
        if (architecture is not null && arch is null) return ApiProblems.BadRequest($"Unknown architecture '{architecture}'.");
        if (forgetClass is int fc && ds is not null && (fc < 0 || fc >= ds.NumClasses))
            return ApiProblems.BadRequest($"forgetClass {fc} is out of range 0..{ds.NumClasses - 1}.");
        var rows = store.List(ds?.Id, arch?.Id, forgetSet is null ? forgetClass : null, forgetSet);
        // Gap to Retrained: against the mean of the Retrained models of the row's own forget set (and dataset, architecture).
        var references = rows.Where(e => e.Type == ExperimentType.Retrained).GroupBy(e => (e.Dataset, e.Architecture, e.ForgetSetId))
            .ToDictionary(g => g.Key, g => Core.Experiments.Results.RunGroups.RetrainedMeans(g));
        // Stale results (docs/results-format.md, "Stale results"): against the reference rows of the row's own forget set,
        // which the filters always keep with it.
        var stale = StaleReferences.Assess(rows);
        return TypedResults.Ok(rows.Select(e => ExperimentDto.From(e,
            Core.Experiments.Results.RunGroups.Gap(e, references.GetValueOrDefault((e.Dataset, e.Architecture, e.ForgetSetId))),
            stale.GetValueOrDefault(e.Id))).ToArray());
    }

    private static ProblemHttpResult Missing(string id) => ApiProblems.NotFound($"Experiment '{id}' does not exist.");

    private static Results<Ok<ExperimentDto>, ProblemHttpResult> Get(string id, ExperimentStore store) =>
        store.Get(id) is { } e ? TypedResults.Ok(ExperimentDto.From(e, stale: store.Staleness(e))) : Missing(id);

    private static Results<FileStreamHttpResult, ProblemHttpResult> Export(string id, bool? features, ExperimentTransfer transfer, ExperimentStore store)
    {
        if (store.Get(id) is not { } e) return Missing(id);
        var ms = new MemoryStream();
        transfer.Export(id, ms, features == true);
        ms.Position = 0;
        return TypedResults.File(ms, "application/json", $"{ExperimentIds.Display(e.Id)}-{e.Dataset}-{e.Architecture}-fc{e.ForgetClass}.json");
    }

    /// <summary>
    /// The body is the JSON file itself (application/json) or a multipart form with field <c>file</c>; other content
    /// types are refused (415) so that a plain cross-site form cannot import.
    /// </summary>
    private static async Task<Results<Created<ExperimentDto>, ProblemHttpResult>> Import(
        HttpRequest request, string? dataset, string? architecture, ExperimentTransfer transfer, JobQueue queue, ExperimentStore store, LabMode mode)
    {
        Stream body;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            if (form.Files.FirstOrDefault() is not { } file) return ApiProblems.BadRequest("Send the JSON file as multipart field 'file' or as the request body.");
            if (file.Length > ExperimentTransfer.MaxImportBytes)
                return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, $"The file is larger than {ExperimentTransfer.MaxImportBytes / 1048576} MB.");
            body = file.OpenReadStream();
        }
        else if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            var ms = new MemoryStream();
            await request.Body.CopyToAsync(ms);
            ms.Position = 0;
            body = ms;
        }
        else return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Send the result file as application/json or as multipart/form-data field 'file'.");
        await using (body)
        {
            var e = transfer.Import(body, dataset, architecture, request.HttpContext.User.OwnerName(mode));
            queue.NotifyExperimentsChanged(e.Dataset, e.Architecture, e.ForgetSetId);
            return TypedResults.Created($"/api/experiments/{e.Id}", ExperimentDto.From(e, stale: store.Staleness(e)));
        }
    }

    private static Results<NoContent, ProblemHttpResult> Delete(string id, ExperimentStore store, JobQueue queue, ClaimsPrincipal user)
    {
        if (store.Get(id) is not { } e) return Missing(id);
        if (!user.CanModify(e.Owner)) return ApiProblems.Problem(StatusCodes.Status403Forbidden, $"Experiment '{id}' is not yours to delete (Researchers delete their own experiments; Admins any).");
        if (e.IsBaseline) return ApiProblems.Problem(StatusCodes.Status409Conflict, $"Experiment '{id}' is a {e.Type} baseline and cannot be deleted.");
        store.Delete(id);
        queue.NotifyExperimentsChanged(e.Dataset, e.Architecture, e.ForgetSetId);
        return TypedResults.NoContent();
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Checkpoint(string id, ExperimentStore store)
    {
        if (store.Get(id) is not { } e) return Missing(id);
        var path = e.CheckpointPath is null ? null : store.ResolveCheckpoint(e);
        if (path is null || !File.Exists(path)) return ApiProblems.NotFound($"Experiment '{id}' has no checkpoint.");
        return TypedResults.PhysicalFile(path, "application/octet-stream", $"{ExperimentIds.Display(e.Id)}-{e.Dataset}-{e.Architecture}.pt");
    }
}
