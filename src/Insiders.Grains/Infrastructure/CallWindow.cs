namespace Insiders.Infrastructure;

/// <summary>A sliding window of concurrent grain calls.</summary>
public static class CallWindow
{
    /// <summary>
    /// Calls <paramref name="call"/> on every item with at most <paramref name="width"/> calls in flight, a new one
    /// starting as soon as any finishes (no wait for the slowest of a window); results in completion order. After a
    /// failure no further calls start, and the failure is rethrown once the calls in flight are done.
    /// </summary>
    public static Task<List<T>> ForEachAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> call, int width) =>
        ForEachAsync(items, call, width, widen: null, widerWidth: width);

    /// <summary>
    /// As <see cref="ForEachAsync{TItem, T}(IEnumerable{TItem}, Func{TItem, Task{T}}, int)"/>, starting with
    /// <paramref name="width"/> calls in flight and allowing <paramref name="widerWidth"/> from the moment
    /// <paramref name="widen"/> completes (e.g. when someone starts waiting for work that was running in the background).
    /// </summary>
    public static async Task<List<T>> ForEachAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> call, int width, Task? widen, int widerWidth)
    {
        var results = new List<T>();
        using var next = items.GetEnumerator();
        var failed = false;

        async Task Worker()
        {
            while (true)
            {
                TItem item;
                lock (results)
                {
                    if (failed || !next.MoveNext())
                    {
                        return;
                    }

                    item = next.Current;
                }

                try
                {
                    var result = await call(item);
                    lock (results)
                    {
                        results.Add(result);
                    }
                }
                catch
                {
                    failed = true;
                    throw;
                }
            }
        }

        var workers = new List<Task>();
        for (var i = Math.Max(1, width); i > 0; i--)
        {
            workers.Add(Worker());
        }

        var all = Task.WhenAll(workers);
        if (widen is not null && widerWidth > workers.Count && await Task.WhenAny(all, widen) != all)
        {
            // Workers take their items from the shared enumerator, so the new ones take only what nobody has started.
            for (var i = widerWidth - workers.Count; i > 0; i--)
            {
                workers.Add(Worker());
            }
        }

        await Task.WhenAll(workers);
        return results;
    }
}
