namespace Insiders.Synthetic;

/// <summary>
/// Maps "activity time" to calendar time. Shopping intensity varies by hour, weekday and season; customers' purchase
/// processes run in activity time (one activity day = the average day's intensity), so their invoices land where the
/// shop is busy. Intensity = weekday×hour profile × seasonal curve, zero on Saturdays, at night and over Christmas.
/// </summary>
internal sealed class TradingCalendar
{
    private const int FirstHour = 7;

    // Invoices per weekday (Monday first) and hour 07..20 in the real data (December 2010 to May 2011):
    // nothing on Saturdays, Sundays 10..16 only, late opening on Thursdays.
    private static readonly int[][] WeekdayHourCounts =
    [
        [1, 34, 140, 179, 173, 260, 241, 218, 220, 134, 67, 2, 0, 0],
        [1, 60, 159, 249, 320, 303, 275, 214, 290, 140, 100, 1, 0, 0],
        [3, 43, 168, 212, 250, 312, 228, 240, 243, 207, 106, 7, 0, 0],
        [8, 59, 151, 248, 236, 300, 250, 242, 271, 201, 163, 121, 85, 5],
        [2, 49, 141, 246, 212, 242, 209, 264, 203, 114, 74, 1, 9, 1],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 114, 175, 177, 119, 128, 122, 41, 0, 0, 0, 0],
    ];

    // Relative intensity by month (January first), read at mid-month and interpolated between: a slow start to the
    // year and the run-up to Christmas of a gift wholesaler, peaking in November.
    private static readonly double[] MonthWeights = [0.75, 0.78, 0.95, 0.85, 1.0, 0.98, 0.92, 0.92, 1.2, 1.3, 1.6, 1.25];

    private static readonly double[] HourWeights = NormaliseWeekdayHours();
    private static readonly double MeanMonthWeight = MonthWeights.Average();

    private readonly DateTime _start;
    private readonly double[] _cumulative; // _cumulative[k] = activity before hour slot k; length slots + 1

    public TradingCalendar(DateTime start, int days)
    {
        _start = start;
        _cumulative = new double[days * 24 + 1];
        var total = 0.0;
        for (var day = 0; day < days; day++)
        {
            var date = start.AddDays(day);
            var dayWeight = IsClosed(date) ? 0.0 : SeasonalWeight(date) / MeanMonthWeight;
            var weekday = ((int)date.DayOfWeek + 6) % 7; // Monday = 0
            for (var hour = 0; hour < 24; hour++)
            {
                var slot = day * 24 + hour;
                _cumulative[slot] = total;
                total += dayWeight * HourWeights[weekday * 24 + hour];
            }
        }

        _cumulative[^1] = total;
    }

    /// <summary>Activity in the whole window; 0 when the shop is never open in it (e.g. a lone Saturday).</summary>
    public double TotalActivity => _cumulative[^1];

    /// <summary>The calendar minute at activity time <paramref name="activity"/>, in [0, <see cref="TotalActivity"/>).</summary>
    public DateTime ToDate(double activity)
    {
        // First slot boundary past the activity; the slot before it has positive weight and holds the activity.
        var lo = 1;
        var hi = _cumulative.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_cumulative[mid] > activity)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        var slot = lo - 1;
        var fraction = (activity - _cumulative[slot]) / (_cumulative[slot + 1] - _cumulative[slot]);
        var minute = Math.Clamp((int)(fraction * 60), 0, 59);
        return _start.AddTicks(slot * TimeSpan.TicksPerHour + minute * TimeSpan.TicksPerMinute);
    }

    private static bool IsClosed(DateTime date) => date is { Month: 12, Day: >= 24 } or { Month: 1, Day: <= 3 };

    private static double SeasonalWeight(DateTime date)
    {
        var daysInYear = DateTime.IsLeapYear(date.Year) ? 366 : 365;
        var position = (date.DayOfYear - 0.5) / daysInYear * 12 - 0.5; // 0 = mid-January
        var month = (int)Math.Floor(position);
        var fraction = position - month;
        var from = MonthWeights[(month + 12) % 12];
        var to = MonthWeights[(month + 13) % 12];
        return from + (to - from) * fraction;
    }

    // Weekday × hour-of-day weights (index weekday * 24 + hour) averaging 1 per day over a week.
    private static double[] NormaliseWeekdayHours()
    {
        var weights = new double[7 * 24];
        var total = WeekdayHourCounts.Sum(day => day.Sum());
        for (var weekday = 0; weekday < 7; weekday++)
        {
            for (var i = 0; i < WeekdayHourCounts[weekday].Length; i++)
            {
                weights[weekday * 24 + FirstHour + i] = WeekdayHourCounts[weekday][i] * 7.0 / total;
            }
        }

        return weights;
    }
}
