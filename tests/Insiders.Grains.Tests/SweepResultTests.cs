using Insiders.Segmentation;

namespace Insiders.Tests;

/// <summary>Adding up the shards' sweeps (no cluster).</summary>
public sealed class SweepResultTests
{
    [Fact]
    public void Add_CountsAddUp_EachPhaseIsTheSlowestShards()
    {
        var a = new SweepResult(100, 40, 3, 1, 4, TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(70));
        var b = new SweepResult(50, 10, 2, 0, 2, TimeSpan.FromMilliseconds(45), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(90));

        var sum = SweepResult.Empty.Add(a).Add(b);

        Assert.Equal(new SweepResult(150, 50, 5, 1, 6, TimeSpan.FromMilliseconds(45), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(90)), sum);
        Assert.Equal(sum, SweepResult.Empty.Add(b).Add(a)); // in whatever order the shards answer
    }
}
