using System.Threading.Channels;
using Insiders.Customers;

namespace Insiders.Infrastructure;

/// <summary>
/// Live, in-process fan-out of Insider transitions as grains decide them (for consoles and server-sent events).
/// Best effort: a slow subscriber drops its oldest items; the durable record is <see cref="IInsiderTransitionStore"/>.
/// </summary>
public sealed class InsiderFeed
{
    private readonly Lock _lock = new();
    private readonly List<Channel<InsiderTransition>> _subscribers = [];

    public void Publish(InsiderTransition transition)
    {
        lock (_lock)
        {
            foreach (var s in _subscribers)
            {
                s.Writer.TryWrite(transition);
            }
        }
    }

    public async IAsyncEnumerable<InsiderTransition> Subscribe([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<InsiderTransition>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var t in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return t;
            }
        }
        finally
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
