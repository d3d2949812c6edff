using Microsoft.Extensions.DependencyInjection;

namespace Unlearning.Core.Methods;

/// <summary>Registers the unlearning methods.</summary>
public static class MethodServiceCollectionExtensions
{
    /// <summary>The built-in methods, in the order the build dialog lists them (docs/methods.md, "Common scaffolding").</summary>
    public static IReadOnlyList<IUnlearningMethod> BuiltIns() =>
        [new FineTuning(), new GradientAscent(), new RandomLabeling(), new Scrub(), new SalUn(), new NegGradPlus(), new L1Sparse(),
         new BoundaryShrink(), new BoundaryExpanding(), new Scar(),
         new SelectiveSynapticDampening(), new BadTeacher(),
         new GaFt(), new GaSlFt(), new GaSlFtV2()];

    /// <summary>
    /// Registers the built-in methods and every method found in <paramref name="pluginsFolder"/> (when given)
    /// as <see cref="IUnlearningMethod"/> singletons, plus <see cref="MethodCatalog"/> and the
    /// <see cref="PluginLoadReport"/> (files that failed to load, and plug-ins skipped because their name is taken).
    /// </summary>
    public static IServiceCollection AddUnlearningMethods(this IServiceCollection services, string? pluginsFolder)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in BuiltIns())
        {
            names.Add(m.Name);
            services.AddSingleton(m);
        }
        var report = PluginLoadReport.Empty;
        if (pluginsFolder is not null)
        {
            var found = PluginLoader.Discover(pluginsFolder);
            var accepted = new List<IUnlearningMethod>();
            var failures = found.Failures.ToList();
            foreach (var m in found.Methods)
            {
                if (string.IsNullOrWhiteSpace(m.Name) || !names.Add(m.Name))
                {
                    failures.Add(new PluginLoadFailure(m.GetType().Assembly.Location,
                        $"{m.GetType().FullName}: the method name '{m.Name}' is empty or already taken."));
                    continue;
                }
                accepted.Add(m);
                services.AddSingleton(m);
            }
            report = found with { Methods = accepted, Failures = failures };
        }
        services.AddSingleton(report);
        services.AddSingleton<MethodCatalog>();
        return services;
    }
}
