namespace Unlearning.Core.Evaluation;

/// <summary>
/// Per-epoch metrics of a tracked unlearning run (docs/metrics.md, "Per-epoch metrics"; exported as <c>epoch_metrics</c>,
/// docs/results-format.md): entry 0 is the model before training, entry e the model after epoch e, so every series has
/// epochs + 1 entries. A null entry is N/A (TUA of a sample forget set; PS without a Retrained model). Full precision; rounding
/// to 3 dp happens at export.
/// </summary>
public sealed class EpochMetrics
{
    /// <summary>The result-file key (the original's).</summary>
    public const string FileKey = "epoch_metrics";

    /// <summary>The series' keys in the original's order and spelling.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["UA", "RA", "TUA", "TRA", "PS", "C-MIA", "E-MIA"];

    public List<double?> UA { get; set; } = [];
    public List<double?> RA { get; set; } = [];
    public List<double?> TUA { get; set; } = [];
    public List<double?> TRA { get; set; } = [];
    public List<double?> PS { get; set; } = [];
    /// <summary>C-MIA efficacy (key <c>C-MIA</c>).</summary>
    public List<double?> CMia { get; set; } = [];
    /// <summary>E-MIA efficacy (key <c>E-MIA</c>).</summary>
    public List<double?> EMia { get; set; } = [];

    /// <summary>Ours, not exported: seconds each record took (outside RT); empty for an imported file.</summary>
    public List<double> Seconds { get; set; } = [];

    /// <summary>Entries of the UA series (all series have this length in a well-formed record).</summary>
    public int Count => UA.Count;

    /// <summary>The series of a file key of <see cref="Keys"/>.</summary>
    /// <exception cref="ArgumentException">The key is not one of <see cref="Keys"/>.</exception>
    public List<double?> Series(string key) => key switch
    {
        "UA" => UA,
        "RA" => RA,
        "TUA" => TUA,
        "TRA" => TRA,
        "PS" => PS,
        "C-MIA" => CMia,
        "E-MIA" => EMia,
        _ => throw new ArgumentException($"'{key}' is not an epoch-metrics key ({string.Join(", ", Keys)})."),
    };

    /// <summary>Appends one epoch's record.</summary>
    public void Add(EpochRecord r)
    {
        UA.Add(r.UA);
        RA.Add(r.RA);
        TUA.Add(r.TUA);
        TRA.Add(r.TRA);
        PS.Add(r.PS);
        CMia.Add(r.CMia);
        EMia.Add(r.EMia);
        Seconds.Add(r.Seconds);
    }
}

/// <summary>One epoch's metrics (see <see cref="EpochMetrics"/>); <paramref name="Seconds"/> = the time the record took.</summary>
public sealed record EpochRecord(int Epoch, double UA, double RA, double? TUA, double TRA, double? PS, double CMia, double EMia, double Seconds);
