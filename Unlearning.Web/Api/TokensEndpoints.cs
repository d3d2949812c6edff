using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Unlearning.Web.Identity;
using Unlearning.Web.Security;

namespace Unlearning.Web.Api;

/// <summary>
/// <c>/api/tokens</c> (shared mode): the signed-in user's personal access tokens (docs/lab-identity.md, "Tokens"). Only a
/// browser sign-in may manage tokens: a token cannot mint or revoke tokens.
/// </summary>
public static class TokensEndpoints
{
    public static RouteGroupBuilder MapTokensApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/tokens").WithTags("Tokens");
        group.MapGet("", List).WithSummary("Your personal access tokens (never their text)");
        group.MapPost("", Create).WithSummary("Create a token: JSON {name, scope: read|write}; the answer holds the token text, shown this once");
        group.MapDelete("/{id:long}", Revoke).WithSummary("Revoke one of your tokens");
        return group;
    }

    public sealed record CreateTokenDto(string? Name, string? Scope);
    public sealed record CreatedTokenDto(string Token, TokenInfo Info);

    private static ProblemHttpResult? Refusal(ClaimsPrincipal user, LabMode mode) =>
        !mode.IsShared ? ApiProblems.NotFound("Tokens exist in shared mode only (docs/lab-identity.md).")
        : user.FindFirst(TokenScopes.ClaimType) is not null ? ApiProblems.Problem(StatusCodes.Status403Forbidden, "Tokens are managed from a signed-in browser, not with a token.")
        : null;

    private static async Task<Results<Ok<TokenInfo[]>, ProblemHttpResult>> List(ClaimsPrincipal user, LabMode mode, IServiceProvider services)
    {
        if (Refusal(user, mode) is { } refused) return refused;
        return TypedResults.Ok((await services.GetRequiredService<TokenService>().ListAsync(UserId(user))).ToArray());
    }

    private static async Task<Results<Created<CreatedTokenDto>, ProblemHttpResult>> Create(CreateTokenDto body, ClaimsPrincipal user, LabMode mode, IServiceProvider services)
    {
        if (Refusal(user, mode) is { } refused) return refused;
        try
        {
            var (token, info) = await services.GetRequiredService<TokenService>().CreateAsync(UserId(user), body.Name, body.Scope);
            return TypedResults.Created($"/api/tokens/{info.Id}", new CreatedTokenDto(token, info));
        }
        catch (UnauthorizedAccessException e) { return ApiProblems.Problem(StatusCodes.Status403Forbidden, e.Message); }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(long id, ClaimsPrincipal user, LabMode mode, IServiceProvider services)
    {
        if (Refusal(user, mode) is { } refused) return refused;
        return await services.GetRequiredService<TokenService>().RevokeAsync(UserId(user), id) ? TypedResults.NoContent() : ApiProblems.NotFound($"You have no token {id}.");
    }

    private static string UserId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new UnauthorizedAccessException("No user.");
}

/// <summary>Declares <c>Authorization: Bearer &lt;personal access token&gt;</c> in the OpenAPI document, required by every operation.</summary>
internal sealed class BearerSchemeTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "personal access token",
            Description = "A personal access token (Tokens page, shared mode): read or write scope. Local mode needs none.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
        return Task.CompletedTask;
    }
}
