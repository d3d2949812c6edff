using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Unlearning.Core.Data;

namespace Unlearning.Web.Api;

/// <summary>
/// Every API error is an RFC 7807 problem detail (<c>application/problem+json</c> with status, title and detail):
/// exceptions through <see cref="ApiExceptionHandler"/>, empty-bodied answers (unknown route 404, wrong method 405,
/// wrong content type 415, body too large 413) through the status-code pages. No answer carries a stack trace or an
/// absolute server path (see docs/architecture.md, "Errors").
/// </summary>
public static partial class ApiProblems
{
    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var p = context.ProblemDetails;
            p.Detail = p.Detail is { Length: > 0 } d ? WithoutPaths(d) : DefaultDetail(p.Status ?? 500, context.HttpContext.Request);
            // Problem details of the framework may carry exception data in Development; ours never do.
            p.Extensions.Remove("exception");
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        return services;
    }

    /// <summary>Problem details for /api requests, in every environment (pages keep their own error handling).</summary>
    public static WebApplication UseApiProblems(this WebApplication app)
    {
        app.UseWhen(c => IsApi(c.Request), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });
        return app;
    }

    internal static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    /// <summary>A problem answer with a clear, path-free message.</summary>
    public static ProblemHttpResult Problem(int status, string detail) => TypedResults.Problem(detail: WithoutPaths(detail), statusCode: status);

    public static ProblemHttpResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, detail);

    public static ProblemHttpResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, detail);

    /// <summary>The status of an exception that reports a problem with the request (null: a server fault, answered as 500).</summary>
    internal static int? StatusFor(Exception e) => e switch
    {
        UploadTooLargeException => StatusCodes.Status413PayloadTooLarge,
        Core.Experiments.Jobs.QueueFullException => StatusCodes.Status429TooManyRequests,
        BadHttpRequestException b => b.StatusCode,
        KeyNotFoundException or FileNotFoundException => StatusCodes.Status404NotFound,
        ArgumentException or InvalidDataException or FormatException or JsonException or DatasetMissingException => StatusCodes.Status400BadRequest,
        InvalidOperationException => StatusCodes.Status409Conflict,
        _ => null,
    };

    internal static string MessageFor(Exception e) => e switch
    {
        BadHttpRequestException { InnerException: JsonException j } => $"The request body is not valid JSON for this endpoint: {j.Message}",
        BadHttpRequestException { StatusCode: 413 } => "The request body is larger than this endpoint accepts.",
        BadHttpRequestException { StatusCode: 415 } => "This endpoint expects a JSON body (Content-Type: application/json).",
        _ => e.Message,
    };

    private static string DefaultDetail(int status, HttpRequest request) => status switch
    {
        404 => $"No API resource matches {request.Method} {request.Path}.",
        405 => $"{request.Path} does not accept {request.Method}.",
        413 => "The request body is larger than this endpoint accepts.",
        415 => "This endpoint does not accept that Content-Type; see /openapi/v1.json.",
        >= 500 => "The server could not complete the request; the error has been logged.",
        _ => "The request was not accepted.",
    };

    /// <summary>
    /// The text with every absolute path shortened to its last segment (<c>/srv/app/data/uploads/x.pth</c> → <c>x.pth</c>),
    /// so that messages built deep in Core or LibTorch never show the server's folders.
    /// </summary>
    public static string WithoutPaths(string text) => AbsolutePath().Replace(text, m => m.Groups["name"].Value is { Length: > 0 } n ? n : "…");

    // A Unix path of two or more segments or a Windows drive path, not inside a word or URL, and not one of our own
    // routes (/api/...), which messages name on purpose.
    [GeneratedRegex(@"(?<![\w.:/])(?!/api/)(?:[A-Za-z]:\\|/)(?:[^\s'""/\\:<>|]+[/\\])+(?<name>[^\s'""/\\:<>|,;)]*)")]
    private static partial Regex AbsolutePath();
}

/// <summary>An upload that went over the configured size limit while it was being received.</summary>
public sealed class UploadTooLargeException(string message) : Exception(message);

/// <summary>Turns exceptions under /api into problem details; request problems keep their message, server faults get a generic one.</summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!ApiProblems.IsApi(context.Request)) return false;
        var status = ApiProblems.StatusFor(exception);
        if (status is null) logger.LogError(exception, "Unhandled error in {Method} {Path}.", context.Request.Method, context.Request.Path);
        context.Response.StatusCode = status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = context.Response.StatusCode,
                Detail = status is null ? null : ApiProblems.MessageFor(exception),
            },
        });
    }
}
