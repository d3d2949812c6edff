using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;

namespace Unlearning.Web.Api;

/// <summary><c>/api/forget-sets</c>: the forget sets of a dataset (docs/forget-sets.md): list, create, read, delete.</summary>
public static class ForgetSetsEndpoints
{
    /// <summary>Largest request body: an index list file plus the multipart overhead.</summary>
    private const long MaxBodyBytes = ForgetSets.MaxIndexListBytes + 64 * 1024;

    public static RouteGroupBuilder MapForgetSetsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/forget-sets").WithTags("Forget sets");
        group.MapGet("", List).WithSummary("The forget sets of a dataset: one per class, then the stored sample sets");
        group.MapGet("/{id}", Get).WithSummary("One forget set (includeIndexes=true adds its train indexes)");
        group.MapPost("", Create).RequireAuthorization(Security.LabPolicies.Write)
            .WithSummary("Create a forget set: JSON {dataset, kind: class|random|subclass|indexList, class, count | percent, seed, stratified, indexes, label}, " +
                         "or multipart/form-data with an index list file (CSV or JSON) in field 'file' and fields dataset, label")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        group.MapDelete("/{id}", Delete).RequireAuthorization(Security.LabPolicies.Admin).WithSummary("Delete (Admins) a stored sample forget set with its baseline rows (refused while it has unlearned models or jobs)");
        return group;
    }

    private static DatasetInfo DatasetOf(string? dataset) =>
        DatasetCatalog.TryGet(dataset ?? DatasetCatalog.FashionMnist.Id) ?? throw new ArgumentException($"Unknown dataset '{dataset}'. Known: {string.Join(", ", DatasetCatalog.All.Select(d => d.Id))}.");

    private static Ok<ForgetSetDto[]> List(string? dataset, ForgetSetService sets) =>
        TypedResults.Ok(sets.List(DatasetOf(dataset)).Select(s => ForgetSetDto.From(s)).ToArray());

    /// <summary>Class sets carry no index list (their indexes are the class's train samples).</summary>
    private static Results<Ok<ForgetSetDto>, ProblemHttpResult> Get(string id, string? dataset, bool? includeIndexes, ForgetSetService sets, ExperimentStore store)
    {
        var info = DatasetOf(dataset);
        if (sets.Get(info, id) is not { } set) return ApiProblems.NotFound($"Forget set '{id}' does not exist for {info.DisplayName}.");
        int[]? indexes = includeIndexes == true ? store.Scenario(info, id).Indexes : null;
        return TypedResults.Ok(ForgetSetDto.From(set, indexes));
    }

    /// <summary>
    /// JSON describes a draw or carries the indexes; multipart carries an index-list file, read with its size bounded
    /// while it streams. Nothing is stored before the request passed every check.
    /// </summary>
    private static async Task<Results<Created<ForgetSetDto>, ProblemHttpResult>> Create(HttpRequest request, ForgetSetService sets, DatasetLoader datasets)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Send JSON, or multipart/form-data with an index list in field 'file'.");
        bool json = type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
        if (!json && !request.HasFormContentType)
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Send JSON, or multipart/form-data with an index list in field 'file'.");
        var cancellation = request.HttpContext.RequestAborted;
        if (json)
        {
            var body = await request.ReadFromJsonAsync<ForgetSetRequestDto>(cancellation)
                       ?? throw new ArgumentException("Send a JSON object describing the forget set.");
            return Created(sets.Create(Available(DatasetOf(body.Dataset), datasets), body.ToRequest()));
        }
        var form = await request.ReadFormAsync(cancellation);
        var info = Available(DatasetOf(form["dataset"].FirstOrDefault()), datasets);
        if (form.Files.FirstOrDefault() is not { } file) return ApiProblems.BadRequest("Send the index list as multipart field 'file'.");
        if (file.Length > ForgetSets.MaxIndexListBytes)
            return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, $"The index list is larger than {ForgetSets.MaxIndexListBytes / 1024} KB.");
        string text;
        using (var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8))
            text = await BoundedText.ReadAsync(reader, ForgetSets.MaxIndexListBytes, cancellation)
                   ?? throw new ArgumentException($"The index list is longer than {ForgetSets.MaxIndexListBytes / 1024} KB.");
        return Created(sets.Create(info, new ForgetSetRequest
        {
            Kind = ForgetSetKind.IndexList, Label = form["label"].FirstOrDefault(),
            Indexes = ForgetSets.ParseIndexList(text, datasets.Load(info).Train.Count),
        }));

        static Created<ForgetSetDto> Created(ForgetSetInfo created) =>
            TypedResults.Created($"/api/forget-sets/{created.Id}?dataset={created.Dataset}", ForgetSetDto.From(created));
    }

    /// <summary>The dataset, when its files are on this server (a draw reads its labels).</summary>
    private static DatasetInfo Available(DatasetInfo info, DatasetLoader datasets) =>
        datasets.IsAvailable(info) ? info : throw new ArgumentException($"{info.DisplayName} is not available on this server.");

    private static Results<NoContent, ProblemHttpResult> Delete(string id, string? dataset, ExperimentStore store)
    {
        var info = DatasetOf(dataset);
        if (ForgetSets.TryParseClassId(id, out _)) return ApiProblems.Problem(StatusCodes.Status409Conflict, "Class forget sets are part of the dataset and cannot be deleted.");
        if (store.GetForgetSet(info.Id, id) is null) return ApiProblems.NotFound($"Forget set '{id}' does not exist for {info.DisplayName}.");
        store.DeleteForgetSet(info.Id, id);
        return TypedResults.NoContent();
    }
}

/// <summary>Body of <c>POST /api/forget-sets</c> (JSON). <c>kind</c>: class | random | subclass | indexList.</summary>
public sealed record ForgetSetRequestDto(
    string? Dataset, string? Kind, int? Class, int? Count, double? Percent, long? Seed, bool? Stratified, int[]? Indexes, string? Label)
{
    public ForgetSetRequest ToRequest() => new()
    {
        Kind = (Kind ?? "").Replace("-", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "class" => ForgetSetKind.Class,
            "random" => ForgetSetKind.Random,
            "subclass" => ForgetSetKind.SubClass,
            "indexlist" or "list" or "indexes" => ForgetSetKind.IndexList,
            var k => throw new ArgumentException($"Unknown forget-set kind '{k}'. Use class, random, subclass or indexList."),
        },
        Class = Class, Count = Count, Percent = Percent, Seed = Seed ?? 1, Stratified = Stratified ?? true, Indexes = Indexes, Label = Label,
    };
}

/// <summary>A forget set as the API returns it (<c>indexes</c> only when asked for).</summary>
public sealed record ForgetSetDto(string Id, string Dataset, string Kind, string Name, int Size, int? Class, int? Count, double? Percent,
    long? Seed, bool Stratified, int[]? Indexes)
{
    public static ForgetSetDto From(ForgetSetInfo s, int[]? indexes = null) =>
        new(s.Id, s.Dataset, s.Kind.ToString(), s.Name, s.Size, s.Class, s.Count, s.Percent, s.Seed, s.Stratified, indexes);
}
