using Unlearning.Core;
using Unlearning.Web;
using Unlearning.Web.Cli;

// Command-line verbs (train baselines, benchmark) run without starting the web server.
if (args.Length > 0 && CommandLine.IsCommand(args[0]))
    return await CommandLine.RunAsync(args, Console.Out);

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddUnlearningCore(builder.Configuration);
builder.Services.AddUnlearningWeb(builder.Configuration);

var app = builder.Build();
app.UseUnlearningWeb();
app.Run();
return 0;
