using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;

namespace Unlearning.Web.Components.Build;

/// <summary>The body of the Model Builder dialog; a plain component so that it can be tested and reused.</summary>
public partial class ModelBuilderForm
{
    /// <summary>Largest accepted upload in bytes (setting <c>Unlearning:Uploads:MaxMegabytes</c>; oversized files are refused before they are sent).</summary>
    [Parameter] public long MaxUploadBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Most models one build may queue (the queue's <c>MaxJobsPerRequest</c>); BUILD is blocked above it.</summary>
    [Parameter] public int MaxModels { get; set; } = MethodOptionsParser.DefaultMaxJobsPerRequest;

    private string? _error;
    private bool _busy, _uploading;
    private string? _uploadName;

    [Parameter, EditorRequired] public IReadOnlyList<IUnlearningMethod> Methods { get; set; } = [];
    /// <summary>Experiments of the forget class that can be unlearned further (Ready, with a checkpoint).</summary>
    [Parameter] public IReadOnlyList<Experiment> BaseModels { get; set; } = [];
    [Parameter, EditorRequired] public string Dataset { get; set; } = "";
    [Parameter, EditorRequired] public string Architecture { get; set; } = "";
    [Parameter] public int ForgetClass { get; set; }
    /// <summary>The forget set (docs/forget-sets.md); null = the class set of <see cref="ForgetClass"/>.</summary>
    [Parameter] public string? ForgetSet { get; set; }
    /// <summary>False for a sample forget set: class-wise-only methods are not offered.</summary>
    [Parameter] public bool ClassWise { get; set; } = true;
    /// <summary>Preselected base model; the Original when null.</summary>
    [Parameter] public string? DefaultBase { get; set; }
    /// <summary>Enqueues the request (JobQueue.Enqueue); its ArgumentException/KeyNotFoundException messages are shown in the form.</summary>
    [Parameter] public Func<JobRequest, IReadOnlyList<Job>>? Submit { get; set; }
    /// <summary>Stores a chosen upload file and returns its path relative to the app folder.</summary>
    [Parameter] public Func<IBrowserFile, Task<string>>? SaveUpload { get; set; }
    [Parameter] public EventCallback<IReadOnlyList<Job>> OnBuilt { get; set; }
    [Parameter] public EventCallback OnCancel { get; set; }

    public ModelBuilderModel Model { get; private set; } = null!;

    private string ArchitectureName => ModelCatalog.TryGet(Architecture)?.DisplayName ?? Architecture;

    protected override void OnParametersSet()
    {
        if (Model is not null && Model.Dataset == Dataset && Model.Architecture == Architecture && Model.ForgetClass == ForgetClass && Model.ForgetSet == ForgetSet) return;
        var original = BaseModels.FirstOrDefault(e => e.Type == ExperimentType.Original)?.Id;
        Model = new ModelBuilderModel(Methods, Dataset, Architecture, ForgetClass, DefaultBase ?? original ?? BaseModels.FirstOrDefault()?.Id, ForgetSet, ClassWise)
        {
            MaxModels = MaxModels,
        };
    }

    private void SelectMethod(string name)
    {
        Model.SelectMethod(name);
        _error = null;
    }

    private static void SetBool(HyperparameterEntry entry, bool on) => entry.Text = on ? "1" : "0";

    private static void OnKey(KeyboardEventArgs args, HyperparameterEntry entry)
    {
        if (args.Key == "Enter" && entry.Spec.Grid) entry.Add();
    }

    private string BaseLabel(Experiment e)
    {
        string method = e.Type switch
        {
            ExperimentType.Original => "Original",
            ExperimentType.Retrained => "Retrained",
            _ => Methods.FirstOrDefault(m => m.Name == e.Method)?.DisplayName ?? e.Method ?? e.Type.ToString(),
        };
        return $"{ExperimentIds.Display(e.Id)} · {method}";
    }

    private static string RangeText(HyperparameterSpec s) => s.Type switch
    {
        HyperparameterType.Bool => "on/off",
        HyperparameterType.Int => $"integer {HyperparameterEntry.FormatValue(s.Min)}–{HyperparameterEntry.FormatValue(s.Max)}{(s.Grid ? ", list ≤ 5" : "")}",
        _ => $"{HyperparameterEntry.FormatValue(s.Min)}–{HyperparameterEntry.FormatValue(s.Max)}{(s.Grid ? ", list ≤ 5" : "")}",
    };

    private static string Help(HyperparameterSpec s) => $"{s.Help} ({s.Name}; default {HyperparameterEntry.FormatValue(s.Default)})";

    private async Task OnFileChosen(InputFileChangeEventArgs args)
    {
        _error = null;
        Model.UploadPath = null;
        var file = args.File;
        if (!file.Name.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) && !file.Name.EndsWith(".pt", StringComparison.OrdinalIgnoreCase))
        {
            _error = $"'{file.Name}' is not a .pth checkpoint.";
            return;
        }
        if (file.Size > MaxUploadBytes)
        {
            _error = $"'{file.Name}' is {file.Size / 1048576.0:0.#} MB; uploads may be at most {MaxUploadBytes / 1048576} MB.";
            return;
        }
        if (SaveUpload is null) { _error = "Uploads are not available here."; return; }
        _uploading = true;
        try
        {
            Model.UploadPath = await SaveUpload(file);
            _uploadName = file.Name;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException or Api.UploadTooLargeException)
        {
            _error = $"Could not store '{file.Name}': {Api.ApiProblems.WithoutPaths(e.Message)}";
        }
        finally { _uploading = false; }
    }

    private async Task BuildAsync()
    {
        if (Model.BlockedReason is not null || Submit is null) return;
        _busy = true;
        _error = null;
        try
        {
            var jobs = Submit(Model.ToRequest());
            await OnBuilt.InvokeAsync(jobs);
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            _error = Api.ApiProblems.WithoutPaths(e.Message);
        }
        finally { _busy = false; }
    }
}
