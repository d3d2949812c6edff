using Unlearning.Core;
using Unlearning.Web;
using Unlearning.Web.Cli;

// Command-line verbs (train baselines, benchmark) run without starting the web server.
if (args.Length > 0 && CommandLine.IsCommand(args[0]))
    return await CommandLine.RunAsync(args, Console.Out);

var builder = WebApplication.CreateBuilder(args);
// Production is the default even for `dotnet run` from a clone, where the packages' static files (MudBlazor, Plotly,
// blazor.web.js) live in the NuGet cache and are listed in the build's static-web-assets manifest, which ASP.NET
// reads on its own only in Development. A published app has no such manifest and this does nothing.
builder.WebHost.UseStaticWebAssets();
builder.Services.AddUnlearningCore(builder.Configuration);
try { builder.Services.AddUnlearningWeb(builder.Configuration); }
catch (Unlearning.Web.Security.LabModeException e)
{
    // One line, no stack trace: the settings are the user's to fix (docs/lab-identity.md, "Modes").
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

var app = builder.Build();
app.UseUnlearningWeb();
app.Run();
return 0;
