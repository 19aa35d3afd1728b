using Insiders.Infrastructure;

namespace Insiders.Silo.Api;

/// <summary>
/// The cursor of the newest recorded Insider transition, so a new live stream can start at "now" without reading the
/// whole record each time (it remembers where it got to and only reads what was added since).
/// </summary>
internal sealed class TransitionTail(IInsiderTransitionStore store)
{
    private const int Page = 5_000;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _end;

    public async Task<long> EndAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                var page = await store.ReadAsync(_end, Page, cancellationToken);
                if (page.Count > 0)
                {
                    _end = page[^1].Cursor;
                }

                if (page.Count < Page)
                {
                    return _end;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
