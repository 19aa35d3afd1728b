using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Insiders.Benchmarks;

/// <summary>
/// The embedded silo of <see cref="InsidersHost.Build"/>, in this process, with a long grain-call response timeout:
/// a retrain of a million customers may take longer than Orleans' 30-second default, and the benchmark measures it
/// rather than failing on it.
/// </summary>
public static class BenchHost
{
    public static IHost Build(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.AddInsiders(builder.Configuration);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
        });
        return builder.Build();
    }
}
