namespace Insiders.Infrastructure;

/// <summary>A sliding window of concurrent grain calls.</summary>
public static class CallWindow
{
    /// <summary>
    /// Calls <paramref name="call"/> on every item with at most <paramref name="width"/> calls in flight, a new one
    /// starting as soon as any finishes (no wait for the slowest of a window); results in completion order. After a
    /// failure no further calls start, and the failure is rethrown once the calls in flight are done.
    /// </summary>
    public static async Task<List<T>> ForEachAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> call, int width)
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

        var workers = new Task[Math.Max(1, width)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Worker();
        }

        await Task.WhenAll(workers);
        return results;
    }
}
