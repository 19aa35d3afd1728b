namespace Insiders.Cli;

/// <summary>A one-line progress bar on stderr, drawn only when stderr is a terminal.</summary>
internal sealed class ProgressBar(long total, bool enabled)
{
    private readonly bool _enabled = enabled && !Console.IsErrorRedirected;
    private int _lastPercent = -1;

    public void Report(long done, string detail)
    {
        if (!_enabled || total <= 0)
        {
            return;
        }

        var percent = (int)(100 * done / total);
        if (percent == _lastPercent && done < total)
        {
            return;
        }

        _lastPercent = percent;
        var width = 30;
        var filled = width * percent / 100;
        Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {percent,3}% {detail}   ");
        if (done >= total)
        {
            Console.Error.WriteLine();
        }
    }

    /// <summary>Ends the bar's line if the last report fell short of the total (e.g. blank lines were counted ahead).</summary>
    public void Finish()
    {
        if (_enabled && total > 0 && _lastPercent is >= 0 and < 100)
        {
            Report(total, "done");
        }
    }
}
