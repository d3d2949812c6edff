using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Unlearning.Core;

/// <summary>Registers Unlearning.Core's services.</summary>
public static class CoreSetup
{
    public static IServiceCollection AddUnlearningCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<UnlearningOptions>(configuration.GetSection(UnlearningOptions.Section));
        return services;
    }
}
