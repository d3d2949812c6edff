using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using Unlearning.Core.Data;
using Unlearning.Core.Experiments;
using Unlearning.Core.Models;

namespace Unlearning.Web.Components.Layout;

/// <summary>The forget-set dialog (docs/forget-sets.md, "In the app").</summary>
public partial class ForgetClassDialog
{
    /// <summary>The dialog's kinds of choice: the four kinds of forget set, and a set made before.</summary>
    public enum Choice { Class, Random, SubClass, IndexList, Saved }

    private static readonly (Choice Kind, string Label, string Help)[] Kinds =
    [
        (Choice.Class, "Class", "Forget every training image of one class (the original system's scenario)."),
        (Choice.Random, "Random samples", "Forget n random training images (or a percentage), drawn with a seed, stratified by class or not."),
        (Choice.SubClass, "Samples of a class", "Forget n random training images of one class; the rest of the class is retained."),
        (Choice.IndexList, "Index list", "Forget the training images listed in a CSV or JSON file of train indexes."),
        (Choice.Saved, "Saved sets", "Open a sample forget set made before."),
    ];

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = null!;
    /// <summary>First use: cannot be dismissed, also chooses dataset and architecture.</summary>
    [Parameter] public bool Forced { get; set; }
    [Parameter] public string Dataset { get; set; } = DatasetCatalog.FashionMnist.Id;
    [Parameter] public string Architecture { get; set; } = ModelCatalog.Compact.Id;
    /// <summary>Forget sets already open (not offered again).</summary>
    [Parameter] public IReadOnlyList<string> Open { get; set; } = [];
    [Parameter] public Func<DatasetInfo, bool>? Available { get; set; }

    private Choice Kind { get; set; } = Choice.Class;
    private int? Selected { get; set; }
    private int? SubClass { get; set; }
    private string Amount { get; set; } = "10%";
    private string SeedText { get; set; } = "1";
    private bool Stratified { get; set; } = true;
    private int[]? ListIndexes { get; set; }
    private string? ListName { get; set; }
    private string? ListLabel { get; set; }
    private string? SavedId { get; set; }
    private string? Error { get; set; }
    private IReadOnlyList<string> Classes => DatasetCatalog.Get(Dataset).ClassNames;

    /// <summary>The dataset's stored sample sets not open yet, read when the dialog opens and when the dataset changes.</summary>
    private IReadOnlyList<ForgetSetInfo> SavedSets { get; set; } = [];

    protected override void OnInitialized() => LoadSavedSets();

    [CascadingParameter] private Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState>? AuthState { get; set; }
    [Inject] private IServiceProvider Services { get; set; } = null!;
    /// <summary>Viewers open class and saved sets but do not create sets (docs/lab-identity.md, "Roles").</summary>
    private Security.LabUiUser _user = Security.LabUiUser.Local;

    protected override async Task OnInitializedAsync() => _user = await Security.LabUiUser.ResolveAsync(AuthState, Services);

    private void LoadSavedSets() => SavedSets = [.. SetService.SampleSets(DatasetCatalog.Get(Dataset)).Where(s => !Open.Contains(s.Id))];

    private bool CanApply => Kind switch
    {
        Choice.Class => Selected is not null,
        Choice.Random => !string.IsNullOrWhiteSpace(Amount),
        Choice.SubClass => SubClass is not null && !string.IsNullOrWhiteSpace(Amount),
        Choice.IndexList => ListIndexes is not null,
        _ => SavedId is not null,
    };

    private void SetKind(Choice kind)
    {
        Kind = kind;
        Error = null;
    }

    private void DatasetChanged(string id)
    {
        Dataset = id;
        LoadSavedSets();
        Selected = SubClass = null;
        ListIndexes = null;
        SavedId = null;
        Error = null;
    }

    /// <summary>Reads an index list (size bounded while it streams) and checks it against the train set before anything is stored.</summary>
    private async Task OnListChosen(InputFileChangeEventArgs e)
    {
        Error = null;
        ListIndexes = null;
        try
        {
            var info = DatasetCatalog.Get(Dataset);
            if (!Datasets.IsAvailable(info)) throw new ArgumentException($"{info.DisplayName} is not installed on this server.");
            if (e.File.Size > ForgetSets.MaxIndexListBytes) throw new ArgumentException($"The file is larger than {ForgetSets.MaxIndexListBytes / 1024} KB.");
            await using var stream = e.File.OpenReadStream(ForgetSets.MaxIndexListBytes);
            using var reader = new StreamReader(stream);
            var text = await reader.ReadToEndAsync();
            ListIndexes = ForgetSets.ParseIndexList(text, Datasets.Load(info).Train.Count);
            ListName = e.File.Name[(e.File.Name.LastIndexOfAny(['/', '\\']) + 1)..];
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or InvalidOperationException)
        {
            Error = Api.ApiProblems.WithoutPaths(ex.Message);
        }
    }

    /// <summary>"10%", "10 %", "600": a percentage or a count.</summary>
    private static (int? Count, double? Percent) ParseAmount(string text)
    {
        var t = text.Trim();
        if (t.EndsWith('%'))
            return double.TryParse(t.TrimEnd('%').Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var p)
                ? (null, p) : throw new ArgumentException($"'{text}' is not a percentage.");
        return int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? (n, null) : throw new ArgumentException($"'{text}' is not a number of samples (e.g. 600) or a percentage (e.g. 10%).");
    }

    private void Apply()
    {
        Error = null;
        try
        {
            var info = DatasetCatalog.Get(Dataset);
            if (Kind == Choice.Class)
            {
                if (Selected is { } fc) Close(ForgetSets.ClassId(fc), info.ClassNames[fc]);
                return;
            }
            if (Kind == Choice.Saved)
            {
                if (SavedSets.FirstOrDefault(s => s.Id == SavedId) is { } saved) Close(saved.Id, saved.Name);
                return;
            }
            if (!_user.CanWrite) throw new ArgumentException("Your role (Viewer) opens class and saved forget sets but cannot create new ones.");
            if (!Datasets.IsAvailable(info)) throw new ArgumentException($"{info.DisplayName} is not installed on this server.");
            ForgetSetRequest request;
            if (Kind == Choice.IndexList)
                request = new ForgetSetRequest { Kind = ForgetSetKind.IndexList, Indexes = ListIndexes, Label = ListLabel };
            else
            {
                var (count, percent) = ParseAmount(Amount);
                if (!long.TryParse(SeedText?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
                    throw new ArgumentException($"Seed '{SeedText}' is not a whole number ≥ 0.");
                request = new ForgetSetRequest
                {
                    Kind = Kind == Choice.Random ? ForgetSetKind.Random : ForgetSetKind.SubClass, Class = Kind == Choice.SubClass ? SubClass : null,
                    Count = count, Percent = percent, Seed = seed, Stratified = Stratified,
                };
            }
            var created = SetService.Create(info, request);
            Close(created.Id, created.Name);
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            Error = Api.ApiProblems.WithoutPaths(ex.Message);
        }
    }

    private void Close(string id, string name) => Dialog.Close(DialogResult.Ok(new ForgetClassChoice(Dataset, Architecture, id, name)));
}
