using System.Reflection;
using NetArchTest.Rules;

namespace Unlearning.Tests.Architecture;

/// <summary>
/// The dependency rules of docs/architecture.md as tests, so that a cycle or a layer breach fails the build
/// instead of waiting for a review. Dependencies are read from the compiled IL (signatures and method bodies).
/// </summary>
public class DependencyRulesTests
{
    private static readonly Assembly Core = typeof(Unlearning.Core.Data.DatasetCatalog).Assembly;
    private static readonly Assembly Web = typeof(Unlearning.Web.WebSetup).Assembly;

    /// <summary>Core's feature namespaces (the folders of docs/architecture.md).</summary>
    private static readonly string[] CoreAreas = ["Data", "Models", "Training", "Methods", "Evaluation", "Experiments"];

    private static string Ns(string area) => "Unlearning.Core." + area;

    /// <summary>Full names of the types of one Core area, sub-namespaces included ("" = the root namespace only).</summary>
    private static string[] TypesOf(string area) => Core.GetTypes()
        .Where(t => t.Namespace is { } ns && (area.Length == 0
            ? ns == "Unlearning.Core"
            : ns == Ns(area) || ns.StartsWith(Ns(area) + ".", StringComparison.Ordinal)))
        .Where(t => !t.IsNested)
        .Select(t => t.FullName!)
        .ToArray();

    /// <summary>Types of namespace <paramref name="from"/> (sub-namespaces included unless <paramref name="exact"/>) that use any of <paramref name="targets"/>.</summary>
    private static IReadOnlyList<string> Offenders(Assembly assembly, string from, string[] targets, bool exact = false)
    {
        if (targets.Length == 0) return [];
        var pattern = "^" + System.Text.RegularExpressions.Regex.Escape(from) + (exact ? "$" : @"(\..*)?$");
        var result = Types.InAssembly(assembly).That().ResideInNamespaceMatching(pattern)
            .ShouldNot().HaveDependencyOnAny(targets).GetResult();
        return result.IsSuccessful ? [] : result.FailingTypes.Select(t => t.FullName).ToList();
    }

    /// <summary>The directed graph area → areas it uses, over Core's areas.</summary>
    private static Dictionary<string, HashSet<string>> CoreAreaGraph()
    {
        var graph = CoreAreas.ToDictionary(n => n, _ => new HashSet<string>());
        foreach (var from in CoreAreas)
            foreach (var to in CoreAreas)
                if (from != to && Offenders(Core, Ns(from), TypesOf(to)).Count > 0)
                    graph[from].Add(to);
        return graph;
    }

    /// <summary>
    /// Root-namespace types the areas may use: configuration records only. Everything else at the root
    /// (the DI registration <c>CoreSetup</c>) is a composition root that uses the areas, never the reverse.
    /// </summary>
    // Configuration records (settings sections), not hosts or setup: areas may read them.
    private static readonly string[] RootConfiguration = ["UnlearningOptions", "DataPaths", "ResolvedPaths", "DatabaseOptions", "WorkerOptions"];

    /// <summary>Every cycle through the graph as "A → B → A" (depth-first search from each node).</summary>
    internal static List<string> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var cycles = new List<string>();
        foreach (var start in graph.Keys)
        {
            var stack = new Stack<(string Node, List<string> Path)>();
            stack.Push((start, [start]));
            while (stack.Count > 0)
            {
                var (node, path) = stack.Pop();
                foreach (var next in graph[node])
                {
                    if (next == start) cycles.Add(string.Join(" → ", path.Append(start).Select(Label)));
                    else if (!path.Contains(next) && string.CompareOrdinal(next, start) > 0) stack.Push((next, [.. path, next]));
                }
            }
        }
        return cycles;

        static string Label(string area) => area;
    }

    [Fact]
    public void Cycle_finder_reports_a_cycle_and_accepts_a_chain()
    {
        var cyclic = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"] };
        Assert.Equal(["A → B → C → A"], Cycles(cyclic));
        var chain = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = [] };
        Assert.Empty(Cycles(chain));
    }

    [Fact]
    public void Core_areas_have_no_dependency_cycles()
    {
        var cycles = Cycles(CoreAreaGraph());
        Assert.True(cycles.Count == 0, "Dependency cycles between Core areas: " + string.Join("; ", cycles));
    }

    [Fact]
    public void Core_references_no_web_framework()
    {
        var referenced = Core.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var web = referenced.Where(n => n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
            || n.StartsWith("MudBlazor", StringComparison.Ordinal) || n.StartsWith("Plotly", StringComparison.Ordinal)).ToList();
        Assert.True(web.Count == 0, "Core references " + string.Join(", ", web));
        var offenders = Offenders(Core, "Unlearning.Core", ["Microsoft.AspNetCore", "MudBlazor", "Plotly.Blazor", "Unlearning.Web"]);
        Assert.True(offenders.Count == 0, "Core types using web types: " + string.Join(", ", offenders));
    }

    [Fact]
    public void Evaluation_does_not_use_Experiments()
    {
        var offenders = Offenders(Core, Ns("Evaluation"), TypesOf("Experiments"));
        Assert.True(offenders.Count == 0, "Evaluation types using Experiments: " + string.Join(", ", offenders));
    }

    [Fact]
    public void Models_do_not_use_Training()
    {
        var offenders = Offenders(Core, Ns("Models"), TypesOf("Training"));
        Assert.True(offenders.Count == 0, "Models types using Training: " + string.Join(", ", offenders));
    }

    [Fact]
    public void Core_areas_do_not_use_the_root_namespace_hosts_or_setup()
    {
        // The root namespace holds the DI registration and configuration; areas must not call back into it
        // (e.g. a benchmark calling command-line parsing).
        var root = TypesOf("").Where(n => !RootConfiguration.Contains(n["Unlearning.Core.".Length..])).ToArray();
        var offenders = CoreAreas.SelectMany(a => Offenders(Core, Ns(a), root)).ToList();
        Assert.True(offenders.Count == 0, "Core area types using root-namespace hosts: " + string.Join(", ", offenders));
    }

    [Fact]
    public void Web_components_touch_neither_the_database_nor_the_file_system()
    {
        var offenders = Offenders(Web, "Unlearning.Web.Components",
            ["Unlearning.Core.Experiments.UnlearningDbContext", "Microsoft.EntityFrameworkCore",
             "System.IO.File", "System.IO.FileInfo", "System.IO.Directory", "System.IO.DirectoryInfo", "System.IO.FileStream", "System.IO.Path"]);
        Assert.True(offenders.Count == 0, "Components using the database or files: " + string.Join(", ", offenders));
    }
}
