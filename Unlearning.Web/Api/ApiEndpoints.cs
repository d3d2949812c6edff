using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;
using Unlearning.Core.Training;

namespace Unlearning.Web.Api;

/// <summary>The HTTP API of SPEC §7 (JSON; documented at /openapi/v1.json).</summary>
public static class ApiEndpoints
{
    /// <summary>Largest accepted checkpoint upload.</summary>
    public const long MaxUploadBytes = 200L * 1024 * 1024;
    /// <summary>Most samples one strip request may ask for (the attack view needs the 200 of the forget-class subset).</summary>
    public const int MaxStripImages = 1000;

    public static WebApplication MapUnlearningApi(this WebApplication app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(ErrorFilter).DisableAntiforgery();

        api.MapGet("/datasets", (DatasetLoader loader, ResolvedPaths paths, ExperimentStore store) => DatasetCatalog.All.Select(d => new
        {
            id = d.Id, name = d.DisplayName, available = loader.IsAvailable(d), channels = d.Channels, height = d.Height, width = d.Width,
            classes = d.ClassNames,
            architectures = ModelCatalog.All.Select(a => new
            {
                id = a.Id, name = a.DisplayName, description = a.Description,
                baselines = store.BaselineFolders(d.Id, a.Id).Select(f => BaselineManifest.TryLoad(f.Folder)).OfType<BaselineManifest>()
                    .SelectMany(m => m.Models).Select(m => new { kind = m.Kind, forgetClass = m.ForgetClass, testAccuracy = m.TestAccuracy }),
            }),
        })).WithSummary("Datasets, class names, architectures and available baselines");

        api.MapGet("/methods", (MethodCatalog methods) => methods.All.Select(m => new
        {
            name = m.Name, displayName = m.DisplayName, description = m.Description,
            hyperparameters = m.Hyperparameters.Select(h => new { h.Name, h.DisplayName, type = h.Type.ToString(), h.Default, h.Min, h.Max, h.Help, grid = h.Grid }),
            defaultsByArchitecture = ModelCatalog.All.ToDictionary(a => a.Id, a => m.DefaultsFor(a.Id)),
        })).WithSummary("Unlearning methods with their hyperparameter schemas and defaults");

        api.MapGet("/experiments", (string? dataset, string? architecture, int? forgetClass, ExperimentStore store) =>
        {
            if (dataset is not null && DatasetCatalog.TryGet(dataset) is null) throw new ArgumentException($"Unknown dataset '{dataset}'.");
            if (architecture is not null && ModelCatalog.TryGet(architecture) is null) throw new ArgumentException($"Unknown architecture '{architecture}'.");
            var ds = dataset is null ? null : DatasetCatalog.Get(dataset);
            if (forgetClass is int fc && ds is not null && (fc < 0 || fc >= ds.NumClasses))
                throw new ArgumentException($"forgetClass {fc} is out of range 0..{ds.NumClasses - 1}.");
            return store.List(ds?.Id, architecture is null ? null : ModelCatalog.Get(architecture).Id, forgetClass).Select(ExperimentDto.From);
        }).WithSummary("Experiments-table rows, filtered by dataset, architecture and forget class");

        api.MapGet("/experiments/{id}", (string id, ExperimentStore store) =>
            ExperimentDto.From(store.Get(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.")))
            .WithSummary("One experiment");

        api.MapGet("/experiments/{id}/export", (string id, bool? features, ExperimentTransfer transfer, ExperimentStore store) =>
        {
            var e = store.Get(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
            var ms = new MemoryStream();
            transfer.Export(id, ms, features == true);
            ms.Position = 0;
            return Results.File(ms, "application/json", $"{ExperimentIds.Display(e.Id)}-{e.Dataset}-{e.Architecture}-fc{e.ForgetClass}.json");
        }).WithSummary("The experiment in the original system's JSON format (features=true adds the 2,000 × d penultimate features)");

        api.MapPost("/experiments/import", async (HttpRequest request, string? dataset, string? architecture, ExperimentTransfer transfer, JobQueue queue) =>
        {
            Stream body;
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync();
                var file = form.Files.FirstOrDefault() ?? throw new ArgumentException("Send the JSON file as multipart field 'file' or as the request body.");
                if (file.Length > ExperimentTransfer.MaxImportBytes) throw new BadHttpRequestException($"The file is larger than {ExperimentTransfer.MaxImportBytes / 1048576} MB.", 413);
                body = file.OpenReadStream();
            }
            else
            {
                var ms = new MemoryStream();
                await request.Body.CopyToAsync(ms);
                ms.Position = 0;
                body = ms;
            }
            await using (body)
            {
                var e = transfer.Import(body, dataset, architecture);
                queue.NotifyExperimentsChanged(e.Dataset, e.Architecture, e.ForgetClass);
                return Results.Created($"/api/experiments/{e.Id}", ExperimentDto.From(e));
            }
        }).WithSummary("Import a result JSON file (ours or the Python tool's) as an experiment")
          .WithMetadata(new RequestSizeLimitAttribute(ExperimentTransfer.MaxImportBytes));

        api.MapDelete("/experiments/{id}", (string id, ExperimentStore store, JobQueue queue) =>
        {
            var e = store.Get(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
            store.Delete(id);
            queue.NotifyExperimentsChanged(e.Dataset, e.Architecture, e.ForgetClass);
            return Results.NoContent();
        }).WithSummary("Delete an experiment and its files (baselines cannot be deleted)");

        api.MapGet("/experiments/{id}/checkpoint", (string id, ExperimentStore store) =>
        {
            var e = store.Get(id) ?? throw new KeyNotFoundException($"Experiment '{id}' does not exist.");
            var path = e.CheckpointPath is null ? null : store.ResolveCheckpoint(e);
            if (path is null || !File.Exists(path)) throw new KeyNotFoundException($"Experiment '{id}' has no checkpoint.");
            return Results.File(path, "application/octet-stream", $"{ExperimentIds.Display(e.Id)}-{e.Dataset}-{e.Architecture}.pt");
        }).WithSummary("Download the model checkpoint (TorchSharp format; ours or PyTorch .pth for uploads)");

        api.MapPost("/jobs", (JobRequestDto body, JobQueue queue) =>
        {
            var jobs = queue.Enqueue(ToRequest(body));
            return Results.Created($"/api/jobs/{jobs[0].Id}", new { jobIds = jobs.Select(j => j.Id), jobs = jobs.Select(JobDto.From) });
        }).WithSummary("Enqueue a job; lists of hyperparameter values (≤ 5 each) expand to one job per combination");

        api.MapGet("/jobs", (JobQueue queue) => queue.List().Select(JobDto.From)).WithSummary("All jobs, newest first");
        api.MapGet("/jobs/{id:long}", (long id, JobQueue queue) => JobDto.From(queue.Get(id) ?? throw new KeyNotFoundException($"Job {id} does not exist.")))
            .WithSummary("One job: stage, progress, epoch, ETA, result experiment id, error");
        api.MapPost("/jobs/{id:long}/cancel", (long id, JobQueue queue) =>
            queue.Cancel(id) ? Results.Accepted($"/api/jobs/{id}", new { cancelled = true })
                             : throw new InvalidOperationException($"Job {id} has already ended."))
            .WithSummary("Cancel a queued or running job");

        api.MapPost("/uploads", async (IFormFile file, [FromForm] string? dataset, [FromForm] string? architecture, [FromForm] int? forgetClass,
            [FromForm] long? seed, ResolvedPaths paths, JobQueue queue) =>
        {
            var info = DatasetCatalog.TryGet(dataset ?? DatasetCatalog.FashionMnist.Id) ?? throw new ArgumentException($"Unknown dataset '{dataset}'.");
            var arch = ModelCatalog.TryGet(architecture ?? ModelCatalog.Compact.Id) ?? throw new ArgumentException($"Unknown architecture '{architecture}'.");
            if (forgetClass is not int fc) throw new ArgumentException("forgetClass is required.");
            var relative = await CheckpointUploads.SaveAndValidateAsync(file, info, arch, paths.AppFolder, MaxUploadBytes);
            var jobs = queue.Enqueue(new JobRequest { Kind = JobKind.Upload, Dataset = info.Id, Architecture = arch.Id, ForgetClass = fc, Seed = seed, UploadPath = relative });
            return Results.Created($"/api/jobs/{jobs[0].Id}", new { jobIds = jobs.Select(j => j.Id), jobs = jobs.Select(JobDto.From) });
        }).WithSummary("Upload a checkpoint (.pth state dict or ours) of the chosen architecture and enqueue its evaluation")
          .WithMetadata(new RequestSizeLimitAttribute(MaxUploadBytes)).DisableAntiforgery();

        api.MapGet("/images/{dataset}/{split}/strip", (string dataset, string split, string? ids, DatasetLoader loader, HttpResponse response) =>
        {
            var (info, set) = SampleSet(dataset, split, loader);
            var indices = new List<int>();
            foreach (var part in (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                indices.Add(int.TryParse(part, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i)
                    ? i : throw new ArgumentException($"ids must be comma-separated sample indices; '{part}' is not one."));
            if (indices.Count is 0 or > MaxStripImages) throw new ArgumentException($"ids must name 1..{MaxStripImages} samples.");
            var png = PngEncoder.Encode(set.Strip(indices), info.Channels, info.Height, info.Width * indices.Count);
            response.Headers.CacheControl = ImmutableForAYear;
            return Results.File(png, "image/png");
        }).WithSummary("Several samples side by side as one PNG (ids=3,17,42): sample k at x = k·width; cacheable for a year");

        api.MapGet("/images/{dataset}/{split}/{index:int}", (string dataset, string split, int index, int? scale, DatasetLoader loader, HttpResponse response) =>
        {
            var (info, set) = SampleSet(dataset, split, loader);
            if (index < 0 || index >= set.Count) throw new KeyNotFoundException($"{info.DisplayName} {split} has samples 0..{set.Count - 1}; {index} does not exist.");
            var png = PngEncoder.Encode(set.Image(index), info.Channels, info.Height, info.Width, Math.Clamp(scale ?? 1, 1, 16));
            response.Headers.CacheControl = ImmutableForAYear;
            return Results.File(png, "image/png");
        }).WithSummary("One sample as PNG (scale=1..16 enlarges it); cacheable for a year");

        return app;
    }

    /// <summary>
    /// Cache-Control of sample images: a dataset sample never changes, so the attack grids' hundreds of thumbnails
    /// are fetched once per browser, not on every redraw or model switch.
    /// </summary>
    private const string ImmutableForAYear = "public, max-age=31536000, immutable";

    /// <summary>The train or test split of a known dataset (unknown dataset → 404, other split names → 400).</summary>
    private static (DatasetInfo Info, ImageSet Set) SampleSet(string dataset, string split, DatasetLoader loader)
    {
        var info = DatasetCatalog.TryGet(dataset) ?? throw new KeyNotFoundException($"Unknown dataset '{dataset}'.");
        return (info, split switch
        {
            "train" => loader.Load(info).Train,
            "test" => loader.Load(info).Test,
            _ => throw new ArgumentException($"Split must be 'train' or 'test', not '{split}'."),
        });
    }

    internal static JobRequest ToRequest(JobRequestDto body)
    {
        var kind = (body.Kind ?? "unlearn").ToLowerInvariant() switch
        {
            "unlearn" => JobKind.Unlearn,
            "evaluate" => JobKind.Evaluate,
            "trainoriginal" or "train-original" or "original" => JobKind.TrainOriginal,
            "retrain" => JobKind.Retrain,
            "upload" => JobKind.Upload,
            var k => throw new ArgumentException($"Unknown job kind '{k}'. Use unlearn, evaluate, trainOriginal, retrain or upload."),
        };
        if (body.ForgetClass is null) throw new ArgumentException("forgetClass is required.");
        var hp = new Dictionary<string, double[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in body.Hyperparameters ?? [])
        {
            hp[name] = value.ValueKind switch
            {
                JsonValueKind.Number => [value.GetDouble()],
                JsonValueKind.Array => [.. value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble()
                    : throw new ArgumentException($"Hyperparameter '{name}' must hold numbers only."))],
                _ => throw new ArgumentException($"Hyperparameter '{name}' must be a number or a list of numbers."),
            };
        }
        return new JobRequest
        {
            Kind = kind, Dataset = body.Dataset ?? DatasetCatalog.FashionMnist.Id, Architecture = body.Architecture ?? ModelCatalog.Compact.Id,
            ForgetClass = body.ForgetClass.Value, Method = body.Method, BaseExperimentId = body.BaseExperimentId, Hyperparameters = hp, Seed = body.Seed,
            UploadPath = body.UploadId is null ? null : CheckpointUploads.RelativePath(body.UploadId),
        };
    }

    /// <summary>Maps the core's exceptions to 4xx responses with the message (never a 500 for bad input).</summary>
    private static async ValueTask<object?> ErrorFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try { return await next(context); }
        catch (Exception e) when (StatusFor(e) is int status)
        {
            return Results.Json(new ErrorDto(e.Message, status), statusCode: status);
        }
    }

    internal static int? StatusFor(Exception e) => e switch
    {
        KeyNotFoundException or FileNotFoundException => 404,
        BadHttpRequestException b => b.StatusCode,
        ArgumentException or InvalidDataException or FormatException or JsonException or DatasetMissingException => 400,
        InvalidOperationException => 409,
        _ => null,
    };
}
