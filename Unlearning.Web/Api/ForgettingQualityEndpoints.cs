using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Experiments.Results;

namespace Unlearning.Web.Api;

/// <summary>
/// <c>/api/forgetting-quality</c>: forgetting quality of run groups (docs/metrics.md, "Forgetting quality"): list the
/// results of a forget set, read one (with its per-example values on request), plan and queue a computation.
/// </summary>
public static class ForgettingQualityEndpoints
{
    public static RouteGroupBuilder MapForgettingQualityApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/forgetting-quality").WithTags("Forgetting quality");
        group.MapGet("", List).WithSummary("The forgetting-quality results of a forget set (dataset, architecture, forgetSet), newest first");
        group.MapGet("/plan", Plan).WithSummary("What computing the group of experimentId with k models per side takes: runs present, missing seeds, estimated seconds (includeStale=true counts stale runs too)");
        group.MapGet("/{id:long}", Get).WithSummary("One result; includeExamples=true adds per-example ε, points and the statistics of every model");
        group.MapPost("", Queue).RequireAuthorization(Security.LabPolicies.Write).WithSummary("Queue the missing seeds and the scoring for the group of experimentId: JSON {experimentId, k, includeStale} (k 4..32, default 8; includeStale default false)");
        return group;
    }

    private static Ok<ForgettingQualityDto[]> List(string? dataset, string? architecture, string? forgetSet, ForgettingQualityService service) =>
        TypedResults.Ok(service.List(dataset ?? "fashion-mnist", architecture ?? "compact", forgetSet ?? "class-0").Select(ForgettingQualityDto.From).ToArray());

    private static Results<Ok<ForgettingQualityDto>, ProblemHttpResult> Get(long id, bool? includeExamples, ForgettingQualityService service)
    {
        if (service.Get(id) is not { } record) return ApiProblems.NotFound($"Forgetting-quality result {id} does not exist.");
        var dto = ForgettingQualityDto.From(record);
        if (includeExamples == true)
        {
            var details = service.Details(record);
            if (details is null) return ApiProblems.Problem(StatusCodes.Status404NotFound, $"The per-example file of result {id} is missing or damaged.");
            dto = dto with { Examples = details };
        }
        return TypedResults.Ok(dto);
    }

    private static Results<Ok<ForgettingQualityPlanDto>, ProblemHttpResult> Plan(string? experimentId, int? k, bool? includeStale, ForgettingQualityService service)
    {
        if (string.IsNullOrWhiteSpace(experimentId)) throw new ArgumentException("experimentId is required.");
        var estimate = service.Estimate(experimentId, k ?? ForgettingQualityPlan.DefaultK, includeStale == true);
        return TypedResults.Ok(ForgettingQualityPlanDto.From(estimate));
    }

    private static Created<ForgettingQualityQueuedDto> Queue(ForgettingQualityRequestDto body, ForgettingQualityService service, System.Security.Claims.ClaimsPrincipal user, Security.LabMode mode)
    {
        if (string.IsNullOrWhiteSpace(body.ExperimentId)) throw new ArgumentException("experimentId is required.");
        var jobs = service.Queue(body.ExperimentId, body.K ?? ForgettingQualityPlan.DefaultK, body.IncludeStale == true, Security.LabAccess.OwnerName(user, mode));
        return TypedResults.Created($"/api/jobs/{jobs[^1].Id}", new ForgettingQualityQueuedDto([.. jobs.Select(j => j.Id)], jobs[^1].Id));
    }
}

[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
/// <param name="IncludeStale">Score stale runs of the group too (docs/results-format.md, "Stale results"); default false.</param>
public sealed record ForgettingQualityRequestDto(string? ExperimentId, int? K, bool? IncludeStale = null);

/// <param name="JobIds">Every job queued, the scoring job last.</param>
public sealed record ForgettingQualityQueuedDto(long[] JobIds, long ScoringJobId);

public sealed record ForgettingQualityPlanDto(int K, string[] Unlearned, string[] Retrained, long[] MissingUnlearnedSeeds, long[] MissingRetrainedSeeds,
    double? EstimatedSeconds)
{
    public static ForgettingQualityPlanDto From(ForgettingQualityEstimate e) => new(e.Plan.K,
        [.. e.Plan.Unlearned.Select(x => x.Id)], [.. e.Plan.Retrained.Select(x => x.Id)],
        e.Plan.MissingUnlearnedSeeds, e.Plan.MissingRetrainedSeeds, e.EstimatedSeconds);
}

public sealed record ForgettingQualityDto(long Id, string Dataset, string Architecture, string ForgetSet, string? Method, int K, double F, double Score,
    double RetainRatio, double TestRatio, double? CeilingF, int? CeilingK, string[] Unlearned, string[] Retrained, double Seconds, DateTime CreatedUtc)
{
    public ForgettingQualityDetails? Examples { get; init; }

    public static ForgettingQualityDto From(ForgettingQualityRecord r) => new(r.Id, r.Dataset, r.Architecture, r.ForgetSetId, r.Method, r.K, r.F, r.Score,
        r.RetainRatio, r.TestRatio, r.CeilingF, r.CeilingK, Ids(r.UnlearnedIdsJson), Ids(r.RetrainedIdsJson), r.Seconds, r.CreatedUtc);

    private static string[] Ids(string json)
    {
        try { return JsonSerializer.Deserialize<string[]>(json) ?? []; }
        catch (JsonException) { return []; }
    }
}
