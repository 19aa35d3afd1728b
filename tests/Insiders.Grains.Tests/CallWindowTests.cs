using Insiders.Infrastructure;

namespace Insiders.Tests;

/// <summary>The sliding window of calls, with plain tasks standing in for grain calls (no cluster).</summary>
public sealed class CallWindowTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    // Calls that each wait for their own release, counting how many have started.
    private sealed class HeldCalls(int count)
    {
        private int _started;

        public TaskCompletionSource[] Releases { get; } = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();

        public int Started => Volatile.Read(ref _started);

        public async Task<int> Call(int item)
        {
            Interlocked.Increment(ref _started);
            await Releases[item].Task;
            return item;
        }

        public async Task UntilStartedAsync(int count)
        {
            var deadline = DateTime.UtcNow + Guard;
            while (Started < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{Started} calls started, {count} expected");
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }
    }

    [Fact]
    public async Task ForEachAsync_Widened_MoreCallsStartWhileTheFirstAreHeld_EveryItemCalledOnce()
    {
        var calls = new HeldCalls(20);
        var widen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var window = CallWindow.ForEachAsync(Enumerable.Range(0, 20), calls.Call, width: 1, widen.Task, widerWidth: 4);

        await calls.UntilStartedAsync(1);
        await Task.Delay(200, TestContext.Current.CancellationToken); // room for a wider window to show itself; nothing is timed
        Assert.Equal(1, calls.Started);

        widen.SetResult();
        await calls.UntilStartedAsync(4); // item 0 is still held: three more calls run beside it
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(4, calls.Started);
        Assert.False(window.IsCompleted);

        foreach (var release in calls.Releases)
        {
            release.SetResult();
        }

        var results = await window.WaitAsync(Guard, TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(0, 20), results.Order());
        Assert.Equal(20, calls.Started);
    }

    [Fact]
    public async Task ForEachAsync_NeverWidened_OneCallAtATime_EveryItemCalledOnce()
    {
        var calls = new HeldCalls(5);
        var widen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var window = CallWindow.ForEachAsync(Enumerable.Range(0, 5), calls.Call, width: 1, widen.Task, widerWidth: 4);

        for (var item = 0; item < 5; item++)
        {
            await calls.UntilStartedAsync(item + 1);
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.Equal(item + 1, calls.Started);
            calls.Releases[item].SetResult();
        }

        Assert.Equal(Enumerable.Range(0, 5), (await window.WaitAsync(Guard, TestContext.Current.CancellationToken)).Order());
        Assert.False(widen.Task.IsCompleted);
    }

    [Fact]
    public async Task ForEachAsync_ACallFails_TheFailureIsRethrownAfterTheCallsInFlight_NoFurtherCallStarts()
    {
        var calls = new HeldCalls(10);
        var window = CallWindow.ForEachAsync(Enumerable.Range(0, 10), calls.Call, width: 1, Task.CompletedTask, widerWidth: 3);

        await calls.UntilStartedAsync(3);
        calls.Releases[1].SetException(new InvalidOperationException("call 1 failed"));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        calls.Releases[0].SetResult();
        calls.Releases[2].SetResult();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => window.WaitAsync(Guard, TestContext.Current.CancellationToken));
        Assert.Equal("call 1 failed", failure.Message);
        Assert.Equal(3, calls.Started); // the three that were in flight; none after the failure
    }
}
