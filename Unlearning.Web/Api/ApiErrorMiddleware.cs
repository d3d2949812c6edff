using System.Text.Json;

namespace Unlearning.Web.Api;

/// <summary>Turns request-binding failures under /api (malformed JSON, wrong types, oversized bodies) into 4xx JSON errors.</summary>
public static class ApiErrorMiddleware
{
    public static WebApplication UseApiErrors(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api")) { await next(); return; }
            try { await next(); }
            catch (Exception e) when (!context.Response.HasStarted && Status(e) is int status)
            {
                context.Response.Clear();
                context.Response.StatusCode = status;
                await context.Response.WriteAsJsonAsync(new ErrorDto(Message(e), status));
            }
        });
        return app;
    }

    private static int? Status(Exception e) => e switch
    {
        BadHttpRequestException b => b.StatusCode,
        JsonException => 400,
        _ => ApiEndpoints.StatusFor(e),
    };

    private static string Message(Exception e) => e is BadHttpRequestException { InnerException: JsonException j }
        ? $"The request body is not valid JSON for this endpoint: {j.Message}"
        : e.Message;
}
