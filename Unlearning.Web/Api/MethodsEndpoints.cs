using Microsoft.AspNetCore.Http.HttpResults;
using Unlearning.Core.Methods;

namespace Unlearning.Web.Api;

/// <summary><c>/api/methods</c>: the unlearning methods and the plug-in folder's start-up report.</summary>
public static class MethodsEndpoints
{
    public static RouteGroupBuilder MapMethodsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/methods").WithTags("Methods");
        group.MapGet("", List).WithSummary("Unlearning methods with their hyperparameter schemas and defaults, and the plug-ins loaded or refused");
        return group;
    }

    private static Ok<MethodsDto> List(MethodCatalog methods, PluginLoadReport plugins) =>
        TypedResults.Ok(new MethodsDto([.. methods.All.Select(MethodDto.From)], PluginsDto.From(plugins)));
}
