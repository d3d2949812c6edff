using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Core;
using Unlearning.Core.Experiments;
using Unlearning.Core.Training;

namespace Unlearning.Tests.Support;

/// <summary>A fresh, migrated store (SQLite file and artifacts in a temporary folder) with Core's services.</summary>
internal static class TestStore
{
    internal static (ServiceProvider Services, ExperimentStore Store, string Dir) New(string? dataRoot = null)
    {
        var dir = TestData.TempFolder();
        var options = new UnlearningOptions { DataRoot = dataRoot ?? Path.Combine(dir, "data"), AppFolder = Path.Combine(dir, "app"), Device = "cpu" };
        Directory.CreateDirectory(options.DataRoot);
        var services = new ServiceCollection().AddLogging().AddUnlearningCore(options).BuildServiceProvider();
        var store = services.GetRequiredService<ExperimentStore>();
        store.Migrate();
        return (services, store, dir);
    }
}
