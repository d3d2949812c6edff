namespace Unlearning.Core.Data;

/// <summary>
/// A forget set resolved for one dataset (docs/forget-sets.md): what jobs, methods and the evaluation need to know.
/// Class sets carry no index list (their forget set is every train sample of the class); sample sets carry theirs.
/// </summary>
/// <param name="Id">The forget set's id: <c>class-{c}</c> or a stored set's id.</param>
/// <param name="Name">Readable name, e.g. "Shirt" or "random 10 % · seed 1".</param>
/// <param name="ForgetClass">The class of a class or sub-class set; −1 for random samples and index lists.</param>
/// <param name="Indexes">Ascending train indexes of a sample set; null for a class set.</param>
public sealed record ForgetScenario(string Id, string Name, ForgetSetKind Kind, int ForgetClass, int[]? Indexes)
{
    /// <summary>True when a whole class is forgotten: the metrics are the class-wise ones (docs/metrics.md).</summary>
    public bool IsClassWise => Kind == ForgetSetKind.Class;

    public static ForgetScenario ForClass(DatasetInfo info, int forgetClass)
    {
        if (forgetClass < 0 || forgetClass >= info.NumClasses)
            throw new ArgumentOutOfRangeException(nameof(forgetClass), forgetClass,
                $"Forget class must be in 0..{info.NumClasses - 1} for {info.DisplayName}.");
        return new ForgetScenario(ForgetSets.ClassId(forgetClass), info.ClassNames[forgetClass], ForgetSetKind.Class, forgetClass, null);
    }
}
