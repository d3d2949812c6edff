using System.CommandLine;
using Unlearning.Core;
using Unlearning.Core.Experiments.Jobs;

namespace Unlearning.Web.Cli;

/// <summary>
/// <c>worker --queues gpu-0[,default] [--device cuda:0]</c>: a process that runs jobs from Hangfire queues on this
/// machine, with no web server (docs/lab-workers.md). Configuration comes from appsettings.json beside the app and
/// environment variables (<c>Unlearning__Database__ConnectionString</c>, …); the options below override it. Ctrl-C
/// (or SIGTERM) stops it gracefully: a running job is stopped and queued again for another worker.
/// </summary>
internal static class WorkerVerb
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var queues = new Option<string>("--queues") { Description = "Comma-separated Hangfire queues to take jobs from, in priority order, e.g. gpu-0,default", DefaultValueFactory = _ => "default" };
        var workers = new Option<int>("--workers") { Description = "Jobs run at once by this process (one per device is the rule)", DefaultValueFactory = _ => 1 };
        var data = new Option<string?>("--data") { Description = "Data root with the datasets and baselines (default: Unlearning:DataRoot)" };
        var app = new Option<string?>("--app") { Description = "App folder (default: Unlearning:AppFolder)" };
        var shared = new Option<string?>("--shared-folder") { Description = "Artifacts root shared by every process (default: Unlearning:SharedFolder, else the app folder)" };
        var device = new Option<string?>("--device") { Description = "Torch device: auto | cpu | cuda[:N] (default: Unlearning:Device)" };
        var threads = new Option<int?>("--threads") { Description = "LibTorch intra-op threads (default: number of cores)" };
        var command = new Command("worker",
            "Runs jobs from the named Hangfire queues (one worker per GPU: --queues gpu-0 --device cuda:0) against the configured database (Unlearning:Database) and shared folder; no web server. Ctrl-C stops it.")
        {
            queues, workers, data, app, shared, device, threads,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                int n = parse.GetValue(workers);
                if (n is < 1 or > 64) throw new ArgumentException("--workers must be between 1 and 64.");
                var queueList = WorkerOptions.ParseQueues(parse.GetValue(queues), "--queues");
                var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
                var overrides = new Dictionary<string, string?>
                {
                    ["Unlearning:Workers:Queues"] = string.Join(',', queueList),
                    ["Unlearning:Workers:LocalWorkers"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                if (parse.GetValue(data) is { } d) overrides["Unlearning:DataRoot"] = d;
                if (parse.GetValue(app) is { } a) overrides["Unlearning:AppFolder"] = a;
                if (parse.GetValue(shared) is { } s) overrides["Unlearning:SharedFolder"] = s;
                if (parse.GetValue(device) is { } dev) overrides["Unlearning:Device"] = dev;
                if (parse.GetValue(threads) is { } t) overrides["Unlearning:Threads"] = t.ToString(System.Globalization.CultureInfo.InvariantCulture);
                builder.Configuration.AddInMemoryCollection(overrides);
                builder.Services.AddUnlearningCore(builder.Configuration, JobExecution.WorkerProcess);
                using var host = builder.Build();
                output.WriteLine($"worker: queues {string.Join(", ", queueList)}, {n} job(s) at a time; Ctrl-C stops.");
                await host.RunAsync(ct);
                return 0;
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
