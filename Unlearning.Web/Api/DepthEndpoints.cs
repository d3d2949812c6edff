using Microsoft.AspNetCore.Http.HttpResults;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Web.Api;

/// <summary>
/// <c>/api/experiments/{id}/depth</c>: depth of forgetting (docs/metrics.md, "Depth of forgetting"). POST queues a Depth job
/// (which also computes the forget set's Original and Retrained model where they lack results); GET returns the stored results in the format of depth.json and of the export's <c>depth</c> key (docs/results-format.md).
/// </summary>
public static class DepthEndpoints
{
    public static RouteGroupBuilder MapDepthApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/experiments").WithTags("Experiments");
        group.MapPost("/{id}/depth", Queue).RequireAuthorization(Security.LabPolicies.Write).WithSummary("Queue the relearning attack and linear probes of an experiment (and of its references where missing)");
        group.MapGet("/{id}/depth", Get).WithSummary("The stored depth-of-forgetting results of an experiment (404 until computed)");
        return group;
    }

    private static Results<Accepted<JobDto>, ProblemHttpResult> Queue(string id, ExperimentStore store, JobQueue queue, System.Security.Claims.ClaimsPrincipal user, Security.LabMode mode)
    {
        if (store.Get(id) is not { } e) return ApiProblems.NotFound($"Experiment '{id}' does not exist.");
        var job = queue.Enqueue(new JobRequest { Kind = JobKind.Depth, Dataset = e.Dataset, Architecture = e.Architecture, ForgetSet = e.ForgetSetId, BaseExperimentId = e.Id, Owner = Security.LabAccess.OwnerName(user, mode) })[0];
        return TypedResults.Accepted($"/api/jobs/{job.Id}", JobDto.From(job));
    }

    private static Results<ContentHttpResult, ProblemHttpResult> Get(string id, ExperimentStore store)
    {
        if (store.Get(id) is null) return ApiProblems.NotFound($"Experiment '{id}' does not exist.");
        try
        {
            return DepthDocument.Load(store.Artifacts, id) is { } results
                ? TypedResults.Content(System.Text.Json.JsonSerializer.Serialize(results, DepthDocument.Json), "application/json")
                : ApiProblems.NotFound($"Experiment '{id}' has no depth results yet; POST /api/experiments/{id}/depth computes them.");
        }
        catch (InvalidDataException ex)
        {
            return ApiProblems.Problem(StatusCodes.Status500InternalServerError, ex.Message);
        }
    }
}
