namespace Unlearning.Core.Data;

/// <summary>
/// The four index sets of an unlearning scenario (docs/methods.md, "Forget class, forget set and retain set"; docs/forget-sets.md).
/// Class-wise (forget class <c>fc</c>): forget = train samples of fc, retain = the other train samples, test-forget /
/// test-retain likewise on test. Sample forget sets: forget = the set's train samples, retain = every other train
/// sample, test-forget empty and test-retain = the whole test set (no test sample was ever forgotten).
/// All index arrays are ascending.
/// </summary>
/// <param name="ForgetClass">The forgotten class (class-wise), the class a sub-class set was drawn from, or −1.</param>
public sealed record ForgetSplit(int ForgetClass, int[] Forget, int[] Retain, int[] TestForget, int[] TestRetain)
{
    private HashSet<int>? _forget;

    /// <summary>True when the forget set is a whole class (class-wise metrics); false for sample forget sets.</summary>
    public bool IsClassWise { get; init; } = true;

    /// <summary>Whether train sample <paramref name="index"/> is in the forget set.</summary>
    public bool IsForget(int index) => (_forget ??= [.. Forget]).Contains(index);

    public static ForgetSplit Create(DatasetSplits data, int forgetClass)
    {
        if (forgetClass < 0 || forgetClass >= data.Info.NumClasses)
            throw new ArgumentOutOfRangeException(nameof(forgetClass), forgetClass,
                $"Forget class must be in 0..{data.Info.NumClasses - 1} for {data.Info.DisplayName}.");
        return new ForgetSplit(forgetClass,
            data.Train.IndicesWhere(l => l == forgetClass),
            data.Train.IndicesWhere(l => l != forgetClass),
            data.Test.IndicesWhere(l => l == forgetClass),
            data.Test.IndicesWhere(l => l != forgetClass));
    }

    /// <summary>The split of a resolved forget set: class-wise for a class set, sample-wise otherwise.</summary>
    public static ForgetSplit Create(DatasetSplits data, ForgetScenario scenario) =>
        scenario.IsClassWise ? Create(data, scenario.ForgetClass) : FromIndexes(data, scenario.Indexes ?? [], scenario.ForgetClass);

    /// <summary>A sample forget set: <paramref name="forget"/> are train indexes (distinct, in range, at least one, not all).</summary>
    public static ForgetSplit FromIndexes(DatasetSplits data, int[] forget, int forgetClass = -1)
    {
        int n = data.Train.Count;
        var sorted = forget.Distinct().Order().ToArray();
        if (sorted.Length != forget.Length) throw new ArgumentException("The forget set lists a train index twice.");
        if (sorted.Length == 0) throw new ArgumentException("The forget set is empty.");
        if (sorted[0] < 0 || sorted[^1] >= n) throw new ArgumentException($"The forget set has train indexes outside 0..{n - 1}.");
        if (sorted.Length >= n) throw new ArgumentException("The forget set covers the whole train set: nothing would be retained.");
        var inForget = new bool[n];
        foreach (var i in sorted) inForget[i] = true;
        var retain = Enumerable.Range(0, n).Where(i => !inForget[i]).ToArray();
        return new ForgetSplit(forgetClass, sorted, retain, [], [.. Enumerable.Range(0, data.Test.Count)]) { IsClassWise = false };
    }
}
