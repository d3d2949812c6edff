using Microsoft.AspNetCore.Http.HttpResults;
using System.Globalization;
using Unlearning.Core.Data;

namespace Unlearning.Web.Api;

/// <summary><c>/api/images</c>: dataset samples as PNG (the attack grids' thumbnails).</summary>
public static class ImagesEndpoints
{
    /// <summary>Most samples one strip request may ask for (the attack view needs the 200 of the forget-class subset).</summary>
    public const int MaxStripImages = 1000;

    /// <summary>
    /// Cache-Control of sample images: a dataset sample never changes, so the attack grids' hundreds of thumbnails
    /// are fetched once per browser, not on every redraw or model switch.
    /// </summary>
    private const string ImmutableForAYear = "public, max-age=31536000, immutable";

    public static RouteGroupBuilder MapImagesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/images/{dataset}/{split}").WithTags("Images");
        group.MapGet("/strip", Strip).WithSummary("Several samples side by side as one PNG (ids=3,17,42): sample k at x = k·width; cacheable for a year");
        group.MapGet("/{index:int}", One).WithSummary("One sample as PNG (scale=1..16 enlarges it); cacheable for a year");
        return group;
    }

    private static Results<FileContentHttpResult, ProblemHttpResult> Strip(string dataset, string split, string? ids, DatasetLoader loader, HttpResponse response)
    {
        var (info, set, problem) = SampleSet(dataset, split, loader);
        if (problem is not null || info is null || set is null) return problem!;
        var indices = new List<int>();
        foreach (var part in (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
                return ApiProblems.BadRequest($"ids must be comma-separated sample indices; '{part}' is not one.");
            if (i < 0 || i >= set.Count) return ApiProblems.NotFound($"{info.DisplayName} {split} has samples 0..{set.Count - 1}; {i} does not exist.");
            indices.Add(i);
        }
        if (indices.Count is 0 or > MaxStripImages) return ApiProblems.BadRequest($"ids must name 1..{MaxStripImages} samples.");
        response.Headers.CacheControl = ImmutableForAYear;
        return TypedResults.File(PngEncoder.Encode(set.Strip(indices), info.Channels, info.Height, info.Width * indices.Count), "image/png");
    }

    private static Results<FileContentHttpResult, ProblemHttpResult> One(string dataset, string split, int index, int? scale, DatasetLoader loader, HttpResponse response)
    {
        var (info, set, problem) = SampleSet(dataset, split, loader);
        if (problem is not null || info is null || set is null) return problem!;
        if (index < 0 || index >= set.Count) return ApiProblems.NotFound($"{info.DisplayName} {split} has samples 0..{set.Count - 1}; {index} does not exist.");
        response.Headers.CacheControl = ImmutableForAYear;
        return TypedResults.File(PngEncoder.Encode(set.Image(index), info.Channels, info.Height, info.Width, Math.Clamp(scale ?? 1, 1, 16)), "image/png");
    }

    /// <summary>The train or test split of a known, installed dataset (unknown dataset → 404, other split names → 400, not installed → 404).</summary>
    private static (DatasetInfo? Info, ImageSet? Set, ProblemHttpResult? Problem) SampleSet(string dataset, string split, DatasetLoader loader)
    {
        if (DatasetCatalog.TryGet(dataset) is not { } info) return (null, null, ApiProblems.NotFound($"Unknown dataset '{dataset}'."));
        if (split is not ("train" or "test")) return (info, null, ApiProblems.BadRequest($"Split must be 'train' or 'test', not '{split}'."));
        if (!loader.IsAvailable(info)) return (info, null, ApiProblems.NotFound($"{info.DisplayName} is not installed on this server ({info.SourceHint})."));
        var splits = loader.Load(info);
        return (info, split == "train" ? splits.Train : splits.Test, null);
    }
}
