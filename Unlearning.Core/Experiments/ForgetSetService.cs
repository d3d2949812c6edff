using Unlearning.Core.Data;

namespace Unlearning.Core.Experiments;

/// <summary>
/// Creates and lists forget sets (docs/forget-sets.md) for every host: the forget-set dialog, <c>POST /api/forget-sets</c>
/// and the command line. A request is validated and drawn against the dataset's train labels before anything is
/// stored; the same draw always gets the same id, so creating it twice returns the stored set.
/// </summary>
public sealed class ForgetSetService(ExperimentStore store, DatasetLoader datasets)
{
    /// <summary>Validates, draws and stores a sample forget set (a class request returns its implied id without storing).</summary>
    /// <exception cref="ArgumentException">The request is invalid (the message says why).</exception>
    public ForgetSetInfo Create(DatasetInfo info, ForgetSetRequest request)
    {
        var labels = datasets.Load(info).Train.Labels;
        var indexes = ForgetSets.Draw(request, labels, info.NumClasses);
        if (request.Kind == ForgetSetKind.Class)
            return Describe(info, ForgetSets.ClassId(request.Class!.Value));
        var id = ForgetSets.IdFor(info.Id, request.Kind, indexes);
        var stored = store.AddForgetSet(new ForgetSet
        {
            Id = id, Dataset = info.Id, Kind = request.Kind, Class = request.Kind == ForgetSetKind.SubClass ? request.Class : null,
            Count = request.Count, Percent = request.Percent,
            Seed = request.Kind is ForgetSetKind.Random or ForgetSetKind.SubClass ? request.Seed : null,
            Stratified = request.Kind == ForgetSetKind.Random && request.Stratified,
            Name = ForgetSets.Name(request, indexes.Length, info.ClassNames),
            Size = indexes.Length, Indexes = ExperimentStore.FormatIndexes(indexes), CreatedUtc = DateTime.UtcNow,
        });
        return ForgetSetInfo.From(stored);
    }

    /// <summary>The class sets of the dataset followed by its stored sample sets.</summary>
    public IReadOnlyList<ForgetSetInfo> List(DatasetInfo info) =>
        [.. Enumerable.Range(0, info.NumClasses).Select(c => Describe(info, ForgetSets.ClassId(c))), .. SampleSets(info)];

    /// <summary>The dataset's stored sample sets, oldest first.</summary>
    public IReadOnlyList<ForgetSetInfo> SampleSets(DatasetInfo info) => [.. store.ListForgetSets(info.Id).Select(ForgetSetInfo.From)];

    /// <summary>One forget set, or null when the id is unknown for the dataset.</summary>
    public ForgetSetInfo? Get(DatasetInfo info, string id)
    {
        if (ForgetSets.TryParseClassId(id, out var c))
            return c < info.NumClasses ? Describe(info, id) : null;
        return store.GetForgetSet(info.Id, id) is { } set ? ForgetSetInfo.From(set) : null;
    }

    /// <summary>A class set; its size is the class's train count (0 when the dataset's files are not on this server).</summary>
    private ForgetSetInfo Describe(DatasetInfo info, string classId)
    {
        ForgetSets.TryParseClassId(classId, out var c);
        int size = datasets.IsAvailable(info) ? datasets.Load(info).Train.Labels.Count(l => l == c) : 0;
        return new ForgetSetInfo(classId, info.Id, ForgetSetKind.Class, info.ClassNames[c], size, c, null, null, null, false);
    }
}

/// <summary>What a client sees of a forget set (the API's <c>ForgetSetDto</c>, the dialog's list).</summary>
public sealed record ForgetSetInfo(string Id, string Dataset, ForgetSetKind Kind, string Name, int Size, int? Class, int? Count, double? Percent,
    long? Seed, bool Stratified)
{
    public bool IsClassWise => Kind == ForgetSetKind.Class;

    public static ForgetSetInfo From(ForgetSet s) => new(s.Id, s.Dataset, s.Kind, s.Name, s.Size, s.Class, s.Count, s.Percent, s.Seed, s.Stratified);
}
