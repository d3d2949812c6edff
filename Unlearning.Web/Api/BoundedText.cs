namespace Unlearning.Web.Api;

/// <summary>Reads untrusted text with its length bounded while it arrives (a form field, an uploaded index list).</summary>
internal static class BoundedText
{
    /// <summary>
    /// The reader's text, or null when it holds more than <paramref name="maxChars"/> characters: at most one character
    /// more than allowed is read, so an oversized body is refused without being buffered.
    /// </summary>
    public static async Task<string?> ReadAsync(TextReader reader, int maxChars, CancellationToken cancellation)
    {
        var buffer = new char[maxChars + 1];
        int length = 0, n;
        while (length < buffer.Length && (n = await reader.ReadAsync(buffer.AsMemory(length), cancellation)) > 0) length += n;
        return length > maxChars ? null : new string(buffer, 0, length);
    }
}
