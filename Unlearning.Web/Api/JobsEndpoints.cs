using Unlearning.Core.Methods;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Models;
using System.Security.Claims;
using Unlearning.Web.Security;

namespace Unlearning.Web.Api;

/// <summary><c>/api/jobs</c>: queue, list and cancel unlearning, evaluation, training and upload jobs.</summary>
public static class JobsEndpoints
{
    public static RouteGroupBuilder MapJobsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/jobs").WithTags("Jobs");
        group.MapPost("", Enqueue).RequireAuthorization(Security.LabPolicies.Write).WithSummary("Enqueue a job; lists of hyperparameter values (≤ 5 each) expand to one job per combination");
        group.MapGet("", List).WithSummary("All jobs, newest first");
        group.MapGet("/{id:long}", Get).WithSummary("One job: stage, progress, epoch, ETA, result experiment id, error");
        group.MapPost("/{id:long}/cancel", Cancel).RequireAuthorization(Security.LabPolicies.Write)
            .WithSummary("Cancel a queued or running job (Researchers: their own)");
        return group;
    }

    private static Results<Created<JobsCreatedDto>, ProblemHttpResult> Enqueue(JobRequestDto body, JobQueue queue, CheckpointUploads uploads, ClaimsPrincipal user, LabMode mode)
    {
        var request = ToRequest(body, uploads) with { Owner = user.OwnerName(mode) };
        var jobs = queue.Enqueue(request);
        return TypedResults.Created($"/api/jobs/{jobs[0].Id}", JobsCreatedDto.From(jobs));
    }

    private static Ok<JobDto[]> List(JobQueue queue) => TypedResults.Ok(queue.List().Select(JobDto.From).ToArray());

    private static Results<Ok<JobDto>, ProblemHttpResult> Get(long id, JobQueue queue) =>
        queue.Get(id) is { } job ? TypedResults.Ok(JobDto.From(job)) : ApiProblems.NotFound($"Job {id} does not exist.");

    private static Results<Accepted<CancelledDto>, ProblemHttpResult> Cancel(long id, JobQueue queue, ClaimsPrincipal user)
    {
        if (queue.Get(id) is not { } job) return ApiProblems.NotFound($"Job {id} does not exist.");
        if (!user.CanModify(job.Owner)) return ApiProblems.Problem(StatusCodes.Status403Forbidden, $"Job {id} is not yours to cancel (Researchers cancel their own jobs; Admins any).");
        return queue.Cancel(id) ? TypedResults.Accepted($"/api/jobs/{id}", new CancelledDto(true))
            : ApiProblems.Problem(StatusCodes.Status409Conflict, $"Job {id} has already ended.");
    }

    /// <summary>The queue's request from the API body; an upload job must name an upload that exists (404 otherwise).</summary>
    internal static JobRequest ToRequest(JobRequestDto body, CheckpointUploads uploads)
    {
        var kind = (body.Kind ?? "unlearn").ToLowerInvariant() switch
        {
            "unlearn" => JobKind.Unlearn,
            "evaluate" => JobKind.Evaluate,
            "trainoriginal" or "train-original" or "original" => JobKind.TrainOriginal,
            "retrain" => JobKind.Retrain,
            "upload" => JobKind.Upload,
            var k => throw new ArgumentException($"Unknown job kind '{k}'. Use unlearn, evaluate, trainOriginal, retrain or upload."),
        };
        if (body.ForgetClass is null && body.ForgetSet is null) throw new ArgumentException("forgetSet (or its shorthand forgetClass) is required.");
        var (seed, seeds) = ParseSeed(body.Seed);
        var hp = MethodOptionsParser.FromJson(body.Hyperparameters ?? []);
        string? uploadPath = null;
        if (kind == JobKind.Upload)
            uploadPath = uploads.ExistingPath(body.UploadId ?? throw new ArgumentException("An upload job needs uploadId (from POST /api/uploads)."));
        return new JobRequest
        {
            Kind = kind, Dataset = body.Dataset ?? DatasetCatalog.FashionMnist.Id, Architecture = body.Architecture ?? ModelCatalog.Compact.Id,
            ForgetClass = body.ForgetClass ?? -1, ForgetSet = body.ForgetSet, Method = body.Method, BaseExperimentId = body.BaseExperimentId,
            Hyperparameters = hp, Seed = seed, Seeds = seeds, UploadPath = uploadPath, TrackEpochMetrics = body.TrackEpochMetrics ?? false,
        };
    }

    /// <summary><c>seed</c>: absent, a whole number, or a list of whole numbers (several seeds).</summary>
    internal static (long? Seed, long[]? Seeds) ParseSeed(JsonElement? seed)
    {
        static long One(JsonElement e) => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v)
            ? v : throw new ArgumentException($"seed: '{e}' is not a whole number.");
        return seed switch
        {
            null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => (null, null),
            { ValueKind: JsonValueKind.Array } list => list.GetArrayLength() > JobQueue.MaxSeeds
                ? throw new ArgumentException($"At most {JobQueue.MaxSeeds} seeds per request.")
                : (null, [.. list.EnumerateArray().Select(One)]),
            { } one => (One(one), null),
        };
    }
}
