using Microsoft.AspNetCore.Http.HttpResults;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Models;
using Unlearning.Core.Training;

namespace Unlearning.Web.Api;

/// <summary><c>/api/datasets</c>: what the server offers to compare.</summary>
public static class DatasetsEndpoints
{
    public static RouteGroupBuilder MapDatasetsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/datasets").WithTags("Datasets");
        group.MapGet("", List).WithSummary("Datasets, class names, architectures and available baselines");
        return group;
    }

    private static Ok<DatasetDto[]> List(DatasetLoader loader, ExperimentStore store) => TypedResults.Ok(DatasetCatalog.All.Select(d => new DatasetDto(
        d.Id, d.DisplayName, loader.IsAvailable(d), d.Channels, d.Height, d.Width, d.ClassNames,
        [.. ModelCatalog.All.Select(a => new ArchitectureDto(a.Id, a.DisplayName, a.Description,
            [.. store.BaselineFolders(d.Id, a.Id).Select(f => BaselineManifest.TryLoad(f.Folder)).OfType<BaselineManifest>()
                .SelectMany(m => m.Models).Select(BaselineDto.From)]))])).ToArray());
}
