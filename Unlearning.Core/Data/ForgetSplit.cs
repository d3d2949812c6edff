namespace Unlearning.Core.Data;

/// <summary>
/// The four index sets of class-wise unlearning for forget class <c>fc</c> (docs/methods.md, "Forget class, forget set and retain set"):
/// forget = train samples of fc, retain = the other train samples, test-forget / test-retain likewise on test.
/// All index arrays are ascending.
/// </summary>
public sealed record ForgetSplit(int ForgetClass, int[] Forget, int[] Retain, int[] TestForget, int[] TestRetain)
{
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
}
