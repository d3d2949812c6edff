using System.Reflection;
using System.Runtime.Loader;

namespace Unlearning.Core.Methods;

/// <summary>A plug-in file (or type) that could not be loaded, and why.</summary>
public sealed record PluginLoadFailure(string Path, string Error);

/// <summary>What a plugins folder held: the methods found and the files that failed.</summary>
public sealed record PluginLoadReport(string? Folder, IReadOnlyList<IUnlearningMethod> Methods, IReadOnlyList<PluginLoadFailure> Failures)
{
    public static PluginLoadReport Empty { get; } = new(null, [], []);
}

/// <summary>
/// Discovers unlearning methods in the assemblies (<c>*.dll</c>) of a plugins folder (see README, "Your own unlearning method").
/// Each file gets its own <see cref="AssemblyLoadContext"/> in which assemblies the host already has —
/// Unlearning.Core, TorchSharp and the framework — resolve to the host's copies (so that
/// <see cref="IUnlearningMethod"/> and <c>Tensor</c> are the same types), and other dependencies to files next to
/// the plug-in. Every public, non-abstract type implementing <see cref="IUnlearningMethod"/> with a parameterless
/// constructor is instantiated. A file that fails (not an assembly, missing dependency, throwing constructor) is
/// reported, never thrown.
/// </summary>
public static class PluginLoader
{
    /// <summary>Methods found in <paramref name="folder"/> and the files that failed. A missing folder yields an empty report.</summary>
    public static PluginLoadReport Discover(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) return new PluginLoadReport(full, [], []);
        var methods = new List<IUnlearningMethod>();
        var failures = new List<PluginLoadFailure>();
        foreach (var file in Directory.EnumerateFiles(full, "*.dll").Order(StringComparer.Ordinal))
        {
            // The host's own assemblies may sit in the folder too (copied with a plug-in); skip them.
            if (IsHostAssembly(Path.GetFileNameWithoutExtension(file))) continue;
            try
            {
                var context = new PluginLoadContext(file);
                var assembly = context.LoadFromAssemblyPath(file);
                Type[] types;
                try { types = assembly.GetTypes(); }
                catch (ReflectionTypeLoadException e)
                {
                    failures.Add(new PluginLoadFailure(file, "some types could not be loaded: "
                        + string.Join("; ", e.LoaderExceptions.OfType<Exception>().Select(x => x.Message).Distinct())));
                    types = [.. e.Types.OfType<Type>()];
                }
                foreach (var type in types.Where(IsMethodType))
                {
                    try { methods.Add((IUnlearningMethod)Activator.CreateInstance(type)!); }
                    catch (Exception e)
                    {
                        failures.Add(new PluginLoadFailure(file, $"{type.FullName}: {(e as TargetInvocationException)?.InnerException?.Message ?? e.Message}"));
                    }
                }
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or IOException)
            {
                failures.Add(new PluginLoadFailure(file, e is BadImageFormatException ? $"not a .NET assembly ({e.Message})" : e.Message));
            }
        }
        return new PluginLoadReport(full, methods, failures);
    }

    private static bool IsMethodType(Type t) =>
        t is { IsClass: true, IsAbstract: false, IsPublic: true }
        && typeof(IUnlearningMethod).IsAssignableFrom(t)
        && t.GetConstructor(Type.EmptyTypes) is not null;

    private static bool IsHostAssembly(string simpleName) =>
        AssemblyLoadContext.Default.Assemblies.Any(a => string.Equals(a.GetName().Name, simpleName, StringComparison.OrdinalIgnoreCase))
        || SharedPrefixes.Any(p => simpleName.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Assemblies always taken from the host, even before the host has loaded them.</summary>
    private static readonly string[] SharedPrefixes = ["Unlearning.Core", "TorchSharp", "System.", "Microsoft.Extensions.", "netstandard", "mscorlib"];

    private sealed class PluginLoadContext(string pluginPath)
        : AssemblyLoadContext($"UnlearningPlugin:{Path.GetFileName(pluginPath)}")
    {
        private readonly string _folder = Path.GetDirectoryName(pluginPath)!;

        protected override Assembly? Load(AssemblyName name)
        {
            // null = let the default context resolve it: the host's copy, so shared types are identical.
            if (name.Name is null || IsHostAssembly(name.Name)) return null;
            var local = Path.Combine(_folder, name.Name + ".dll");
            return File.Exists(local) ? LoadFromAssemblyPath(local) : null;
        }
    }
}
