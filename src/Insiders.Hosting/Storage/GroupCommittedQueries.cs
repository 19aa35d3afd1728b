using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// Queries sent to a <see cref="SqliteStateWriter"/> instead of running on the caller's connection: the grain-storage
/// provider's write and clear queries. Each must return at most one row per result set, of one integer column (the
/// provider's <c>NewGrainStateVersion</c>); the caller gets those rows (of all result sets, in order) once the
/// transaction holding the write has committed.
/// </summary>
public sealed partial class GroupCommittedQueries(SqliteStateWriter writer, IReadOnlyCollection<string> queries)
{
    // Per query, each parameter's name as the query writes it (with its prefix). The provider names its parameters
    // without one, and Microsoft.Data.Sqlite then tries each prefix in each statement: new strings and UTF-8 copies
    // for every parameter of every write (a fifth of what an ingesting silo allocated, measured with dotnet-trace).
    private readonly Dictionary<string, Dictionary<string, string>> _queries = queries.Distinct(StringComparer.Ordinal).ToDictionary(
        q => q,
        q => ParameterPattern().Matches(q).DistinctBy(m => m.Groups[1].Value).ToDictionary(m => m.Groups[1].Value, m => m.Value, StringComparer.Ordinal),
        StringComparer.Ordinal);

    public bool Includes(string? sql) => sql is not null && _queries.ContainsKey(sql);

    internal async Task<DbDataReader> ExecuteAsync(string sql, SqliteParameterCollection parameters)
    {
        // Copied now: the caller's command and its parameters belong to the caller.
        var names = _queries[sql];
        var values = new (string Name, object Value)[parameters.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var name = parameters[i].ParameterName;
            values[i] = (names.GetValueOrDefault(name, name), parameters[i].Value ?? DBNull.Value);
        }

        var (column, rows) = await writer.WriteAsync(batch => Run(batch, sql, values)).ConfigureAwait(false);
        return new IntegerRowsReader(column, rows);
    }

    private static (string Column, List<int?> Rows) Run(SqliteWriteBatch batch, string sql, (string Name, object Value)[] values)
    {
        var command = batch.Command(sql);
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        string? column = null;
        var rows = new List<int?>(1);
        do
        {
            if (reader.FieldCount == 0)
            {
                continue; // a statement without RETURNING
            }

            if (reader.FieldCount != 1)
            {
                throw new NotSupportedException($"A group-committed query must return one integer column; this one returns {reader.FieldCount}: {sql}");
            }

            column ??= reader.GetName(0);
            while (reader.Read())
            {
                rows.Add(reader.IsDBNull(0) ? null : reader.GetInt32(0));
            }
        }
        while (reader.NextResult());

        return (column ?? "", rows);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[@$:]([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial System.Text.RegularExpressions.Regex ParameterPattern();
}
