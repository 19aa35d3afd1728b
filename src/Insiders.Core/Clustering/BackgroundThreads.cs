using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Insiders.Clustering;

/// <summary>
/// Threads of their own, below normal priority, for CPU-bound work that must not slow live requests (a retrain's fit):
/// the operating system runs them when nothing else wants the cores and gives the cores to the request threads first
/// when both do. The fit's parallel loops (<see cref="ForCurrent"/>) stay on these threads when started on them, instead
/// of taking thread-pool threads from the service.
/// <para>
/// On Linux each thread lowers its own nice value to <see cref="Nice"/> (an unprivileged process may lower, never raise,
/// its priority); elsewhere <see cref="Thread.Priority"/> is set to <see cref="ThreadPriority.BelowNormal"/>. Where
/// neither is possible the threads run at normal priority and only the separation from the thread pool remains. Asked
/// not to lower it (<c>lowerPriority: false</c>), they run at normal priority and compete with requests as equals.
/// </para>
/// </summary>
public sealed class BackgroundThreads : TaskScheduler, IDisposable
{
    /// <summary>Linux nice value of the threads: CFS weight 110 against 1024 for a normal thread.</summary>
    public const int Nice = 10;

    private readonly BlockingCollection<Task> _queue = new();
    private readonly Thread[] _threads;

    public BackgroundThreads(int threads, string name, bool lowerPriority = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Lowered = lowerPriority;
        _threads = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"{name} {i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>Whether the threads run below normal priority (false: not asked to, or they could not).</summary>
    public bool Lowered { get; private set; }

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>
    /// Options for a parallel loop: on these threads when the caller runs on them, otherwise on the thread pool as
    /// before (a caller on another scheduler, e.g. a grain's, never has its loop queued behind itself).
    /// </summary>
    public static ParallelOptions ForCurrent() =>
        new() { TaskScheduler = TaskScheduler.Current as BackgroundThreads ?? TaskScheduler.Default };

    /// <summary>Runs <paramref name="work"/> on these threads (its parallel loops with it).</summary>
    public Task<T> RunAsync<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this);

    protected override void QueueTask(Task task) => _queue.Add(task);

    // A loop waiting for one of its parts that has not started yet runs it itself: no thread ever waits for a part only
    // a busy thread could run. A task already run elsewhere is not run again (TryExecuteTask returns false).
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    public void Dispose() => _queue.CompleteAdding();

    private void Run()
    {
        if (Lowered)
        {
            LowerPriority();
        }

        foreach (var task in _queue.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }

    private void LowerPriority()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // PRIO_PROCESS with a thread id sets that thread's nice value (Linux threads are scheduled one by one).
                if (SetPriority(0, GetThreadId(), Nice) != 0)
                {
                    Lowered = false;
                }
            }
            else
            {
                Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or PlatformNotSupportedException)
        {
            Lowered = false;
        }
    }

    // Plain DllImport (blittable ints; no marshalling, so no generated stubs and no unsafe code in this project).
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
#pragma warning restore SYSLIB1054
}
