namespace Unlearning.Core.Data;

// Temporary: replaced by the full implementation on merge.
public static class ForgetSets
{
    public const string ClassPrefix = "class-";
    public static string ClassId(int c) => ClassPrefix + c.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public static bool TryParseClassId(string? id, out int c)
    {
        c = -1;
        return id is not null && id.StartsWith(ClassPrefix, StringComparison.Ordinal)
            && int.TryParse(id.AsSpan(ClassPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out c);
    }
}
