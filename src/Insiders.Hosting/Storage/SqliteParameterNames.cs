using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// Parameter names as a query spells them. Orleans' ADO.NET provider names its parameters without a prefix
/// ("GrainIdHash"), and Microsoft.Data.Sqlite then tries each prefix in turn for each parameter of each statement it
/// binds, allocating a string and a UTF-8 copy per try: a share of everything a state write allocated. Named as the
/// query spells them ("@GrainIdHash"), each binds at the first lookup.
/// </summary>
internal static class SqliteParameterNames
{
    private static readonly char[] s_prefixes = ['@', '$', ':'];

    // Per query text, each name as that text spells it. Only the grain-storage provider's commands come here: a fixed
    // handful of texts.
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> s_names = new(StringComparer.Ordinal);

    /// <summary>Renames the parameters of a command about to run <paramref name="sql"/> to the form the text uses.</summary>
    public static void Spell(string? sql, SqliteParameterCollection parameters)
    {
        if (string.IsNullOrEmpty(sql) || parameters.Count == 0)
        {
            return; // nothing to spell: Microsoft.Data.Sqlite reports what is wrong, if anything
        }

        var names = NamesOf(sql);
        for (var i = 0; i < parameters.Count; i++)
        {
            var name = parameters[i].ParameterName;
            var spelled = As(names, sql, name);
            if (!ReferenceEquals(spelled, name))
            {
                parameters[i].ParameterName = spelled;
            }
        }
    }

    private static ConcurrentDictionary<string, string> NamesOf(string sql) =>
        s_names.GetOrAdd(sql, static _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));

    // A name that has a prefix, or whose prefixed forms the text does not contain, is left as it is (Microsoft.Data.Sqlite
    // then looks it up as before).
    private static string As(ConcurrentDictionary<string, string> names, string sql, string name) =>
        name.Length == 0 || s_prefixes.Contains(name[0])
            ? name
            : names.GetOrAdd(name, static (name, sql) => s_prefixes.Select(p => p + name).FirstOrDefault(p => Names(sql, p)) ?? name, sql);

    // Whether `sql` contains the parameter `prefixed` (not merely a longer name that starts with it).
    private static bool Names(string sql, string prefixed)
    {
        for (var at = sql.IndexOf(prefixed, StringComparison.Ordinal); at >= 0; at = sql.IndexOf(prefixed, at + 1, StringComparison.Ordinal))
        {
            var end = at + prefixed.Length;
            if (end == sql.Length || !(char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
            {
                return true;
            }
        }

        return false;
    }
}
