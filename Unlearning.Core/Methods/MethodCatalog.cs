namespace Unlearning.Core.Methods;

/// <summary>The unlearning methods the application offers (built-ins and plug-ins), by stored name.</summary>
public sealed class MethodCatalog
{
    private readonly Dictionary<string, IUnlearningMethod> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <exception cref="ArgumentException">Two methods share a name, or a name is empty.</exception>
    public MethodCatalog(IEnumerable<IUnlearningMethod> methods)
    {
        var all = new List<IUnlearningMethod>();
        foreach (var m in methods)
        {
            if (string.IsNullOrWhiteSpace(m.Name))
                throw new ArgumentException($"Unlearning method {m.GetType().FullName} has an empty Name.", nameof(methods));
            if (!_byName.TryAdd(m.Name, m))
                throw new ArgumentException(
                    $"Two unlearning methods are named '{m.Name}': {_byName[m.Name].GetType().FullName} and {m.GetType().FullName}.", nameof(methods));
            all.Add(m);
        }
        All = all;
    }

    /// <summary>Every method in registration order (built-ins first).</summary>
    public IReadOnlyList<IUnlearningMethod> All { get; }

    public IUnlearningMethod? TryGet(string? name) =>
        name is not null && _byName.TryGetValue(name, out var m) ? m : null;

    /// <exception cref="ArgumentException">No method has that name; the message lists the known names.</exception>
    public IUnlearningMethod Get(string name) =>
        TryGet(name) ?? throw new ArgumentException(
            $"Unknown unlearning method '{name}'. Known: {string.Join(", ", All.Select(m => m.Name))}.", nameof(name));
}
