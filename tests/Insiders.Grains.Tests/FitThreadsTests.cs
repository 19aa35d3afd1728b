using Insiders.Clustering;
using Microsoft.Extensions.DependencyInjection;

namespace Insiders.Tests;

/// <summary>The retrain's fit threads as the silo's services build them (no cluster).</summary>
public sealed class FitThreadsTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void FitThreads_FollowLowerFitPriority_BelowNormalByDefault(bool? setting, bool lowered)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "lowering a thread's priority is checked on Linux");
        var services = new ServiceCollection();
        if (setting is { } lower)
        {
            services.Configure<InsidersOptions>(o => o.LowerFitPriority = lower);
        }

        services.AddInsidersGrainServices();
        using var provider = services.BuildServiceProvider();

        var threads = provider.GetRequiredService<BackgroundThreads>();

        Assert.Equal(lowered, threads.Lowered);
        Assert.Equal(Environment.ProcessorCount, threads.MaximumConcurrencyLevel);
    }
}
