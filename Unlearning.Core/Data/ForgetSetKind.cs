namespace Unlearning.Core.Data;

/// <summary>The kinds of forget set (docs/forget-sets.md).</summary>
public enum ForgetSetKind
{
    /// <summary>Every train sample of one class (the original system's only scenario).</summary>
    Class = 0,
    /// <summary>n random train samples (or a percentage), drawn with a seed, stratified by class or not.</summary>
    Random = 1,
    /// <summary>n random samples of one class (sub-class forgetting).</summary>
    SubClass = 2,
    /// <summary>An uploaded list of train indexes.</summary>
    IndexList = 3,
}
