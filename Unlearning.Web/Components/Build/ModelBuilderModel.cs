using Unlearning.Core.Experiments;
using Unlearning.Core.Experiments.Jobs;
using Unlearning.Core.Methods;

namespace Unlearning.Web.Components.Build;

/// <summary>
/// One hyperparameter in the builder: the text being typed and, for grid hyperparameters (epochs, learning rate,
/// batch size), the list of values to build (at most <see cref="HyperparameterSpec.MaxGridValues"/>).
/// </summary>
public sealed class HyperparameterEntry
{
    public HyperparameterEntry(HyperparameterSpec spec, double initial)
    {
        Spec = spec;
        Text = FormatValue(initial);
        if (spec.Grid) Values.Add(initial);
    }

    public HyperparameterSpec Spec { get; }
    /// <summary>The text field's content (for grid entries: the next value to add).</summary>
    public string Text { get; set; }
    /// <summary>Grid entries: the values the build will use.</summary>
    public List<double> Values { get; } = [];

    /// <summary>The validation message for <see cref="Text"/>, or null when it is a valid value.</summary>
    public string? TextError => Validate(Spec, Text, out _);

    /// <summary>The message shown for a grid list with no value.</summary>
    public string? ListError => Spec.Grid && Values.Count == 0 ? "Add at least one value." : null;

    public bool CanAdd => Spec.Grid && TextError is null && Values.Count < HyperparameterSpec.MaxGridValues
                          && Validate(Spec, Text, out var v) is null && !Values.Contains(v);

    /// <summary>Why the "+" button is disabled (null when it is enabled).</summary>
    public string? AddBlockedReason =>
        TextError ?? (Values.Count >= HyperparameterSpec.MaxGridValues ? $"At most {HyperparameterSpec.MaxGridValues} values."
            : Validate(Spec, Text, out var v) is null && Values.Contains(v) ? "Already in the list." : null);

    /// <summary>Adds the typed value to the grid list; returns false (and changes nothing) when it cannot.</summary>
    public bool Add()
    {
        if (!CanAdd) return false;
        Validate(Spec, Text, out var v);
        Values.Add(v);
        return true;
    }

    public void Remove(double value) => Values.Remove(value);

    /// <summary>The values this entry contributes to the request, or null when it is invalid.</summary>
    public double[]? RequestValues() => Spec.Grid
        ? (Values.Count > 0 ? [.. Values] : null)
        : (Validate(Spec, Text, out var v) is null ? [v] : null);

    public bool IsValid => Spec.Grid ? ListError is null : TextError is null;

    /// <summary>
    /// Parses and checks a typed value against its spec (Core's <see cref="HyperparameterValidation.Problem(HyperparameterSpec, string?, out double)"/>,
    /// the same rule and wording the queue, the API and the command line use); returns the message to show, or null when valid.
    /// </summary>
    public static string? Validate(HyperparameterSpec spec, string? text, out double value) => HyperparameterValidation.Problem(spec, text, out value);

    public static string FormatValue(double v) => HyperparameterSpec.Format(v);
}

/// <summary>
/// View model of the Model Builder dialog (extended to every hyperparameter of every method):
/// the chosen method or Upload, per-hyperparameter entries with the architecture's defaults, the "N models"
/// count and the <see cref="JobRequest"/> the BUILD button enqueues.
/// </summary>
public sealed class ModelBuilderModel
{
    /// <summary>Pseudo method name of the upload option.</summary>
    public const string UploadMethod = "Upload";

    private readonly IReadOnlyList<IUnlearningMethod> _methods;

    /// <param name="forgetSet">The forget set's id (docs/forget-sets.md); null = the class set of <paramref name="forgetClass"/>.</param>
    /// <param name="classWise">False for a sample forget set: methods that forget whole classes only are not offered.</param>
    public ModelBuilderModel(IReadOnlyList<IUnlearningMethod> methods, string dataset, string architecture, int forgetClass, string? baseExperimentId,
        string? forgetSet = null, bool classWise = true)
    {
        _methods = classWise ? methods : [.. methods.Where(m => !m.ClassWiseOnly)];
        Dataset = dataset;
        Architecture = architecture;
        ForgetClass = forgetClass;
        ForgetSet = forgetSet;
        BaseExperimentId = baseExperimentId;
        SelectMethod(_methods.Count > 0 ? _methods[0].Name : UploadMethod);
    }

    public string Dataset { get; }
    public string Architecture { get; }
    public int ForgetClass { get; }
    public string? ForgetSet { get; }
    /// <summary>The methods this forget set can use (class-wise-only methods are left out for a sample set).</summary>
    public IReadOnlyList<IUnlearningMethod> Methods => _methods;

    /// <summary>
    /// The seeds field: empty = the default seed, else whole numbers separated by commas or spaces (at most
    /// <see cref="JobQueue.MaxSeeds"/>, distinct). Each seed is one more run of every combination (docs/forget-sets.md, "Groups").
    /// </summary>
    public string SeedsText { get; set; } = "";

    /// <summary>The seeds to build with (null = the default seed), or the reason the field is invalid.</summary>
    public (long[]? Seeds, string? Error) ParsedSeeds => ParseSeeds(SeedsText);

    /// <summary>
    /// A seeds field's text: null seeds for an empty field (the default seed), else the list or the reason it is invalid
    /// (whole numbers here, then the queue's own rule, <see cref="JobQueue.SeedProblem"/>).
    /// </summary>
    public static (long[]? Seeds, string? Error) ParseSeeds(string? text)
    {
        var parts = (text ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) return (null, null);
        var seeds = new List<long>();
        foreach (var p in parts)
        {
            if (!long.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s))
                return (null, $"'{p}' is not a seed: seeds are whole numbers ≥ 0.");
            seeds.Add(s);
        }
        return JobQueue.SeedProblem(seeds) is { } problem ? (null, problem) : ([.. seeds], null);
    }

    private int SeedCount => ParsedSeeds.Seeds?.Length ?? 1;
    public string? BaseExperimentId { get; set; }
    public string MethodName { get; private set; } = UploadMethod;
    public IUnlearningMethod? Method => _methods.FirstOrDefault(m => m.Name == MethodName);
    public bool IsUpload => MethodName == UploadMethod;
    public List<HyperparameterEntry> Entries { get; } = [];
    /// <summary>Upload: the stored upload path relative to the app folder, once a file was saved.</summary>
    public string? UploadPath { get; set; }

    /// <summary>Chooses a method and pre-fills its hyperparameters with the defaults for the architecture.</summary>
    public void SelectMethod(string name)
    {
        MethodName = name;
        Entries.Clear();
        if (Method is not { } m) { MethodName = UploadMethod; return; }
        var defaults = m.DefaultsFor(Architecture);
        foreach (var spec in m.Hyperparameters)
            Entries.Add(new HyperparameterEntry(spec, defaults.TryGetValue(spec.Name, out var d) ? d : spec.Default));
    }

    public HyperparameterEntry? Entry(string name) => Entries.FirstOrDefault(e => e.Spec.Name == name);

    /// <summary>Number of models the build queues: the product of the grid lists' lengths (an empty list counts as 0).</summary>
    public int ModelCount => IsUpload ? (UploadPath is null ? 0 : 1)
        : Entries.Where(e => e.Spec.Grid).Aggregate(1, (n, e) => n * e.Values.Count) * SeedCount;

    /// <summary>Most models one build may queue (the queue refuses larger requests with the same numbers).</summary>
    public int MaxModels { get; init; } = MethodOptionsParser.DefaultMaxJobsPerRequest;

    /// <summary>Why BUILD is disabled, or null when the request is complete.</summary>
    public string? BlockedReason =>
        IsUpload ? (UploadPath is null ? "Choose a .pth file to upload." : null)
        : Entries.FirstOrDefault(e => !e.IsValid) is { } bad ? $"{bad.Spec.DisplayName}: {bad.ListError ?? bad.TextError}"
        : ParsedSeeds.Error is { } seedError ? $"Seeds: {seedError}"
        : ModelCount > MaxModels ? $"These lists make {ModelCount} models; at most {MaxModels} can be built at once."
        : BaseExperimentId is null ? "Choose a base model." : null;

    /// <summary>
    /// "Track per-epoch metrics" (docs/metrics.md, "Per-epoch metrics"): off by default, since every epoch then costs a pass over the train
    /// and test sets (outside RT); unlearning builds only.
    /// </summary>
    public bool TrackEpochMetrics { get; set; }

    public JobRequest ToRequest() => IsUpload
        ? new JobRequest { Kind = JobKind.Upload, Dataset = Dataset, Architecture = Architecture, ForgetClass = ForgetClass, ForgetSet = ForgetSet, UploadPath = UploadPath }
        : new JobRequest
        {
            Kind = JobKind.Unlearn, Dataset = Dataset, Architecture = Architecture, ForgetClass = ForgetClass, ForgetSet = ForgetSet, Method = MethodName,
            BaseExperimentId = BaseExperimentId, Seeds = ParsedSeeds.Seeds, TrackEpochMetrics = TrackEpochMetrics,
            Hyperparameters = Entries.ToDictionary(e => e.Spec.Name, e => e.RequestValues() ?? throw new ArgumentException($"{e.Spec.DisplayName}: {e.ListError ?? e.TextError}")),
        };
}
