using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// Queries sent to a <see cref="SqliteStateWriter"/> instead of running on the caller's connection: the grain-storage
/// provider's write and clear queries. Each must return at most one row per result set, of one integer column (the
/// provider's <c>NewGrainStateVersion</c>); the caller gets those rows (of all result sets, in order) once the
/// transaction holding the write has committed.
/// </summary>
public sealed class GroupCommittedQueries(SqliteStateWriter writer, IReadOnlyCollection<string> queries)
{
    private readonly HashSet<string> _queries = new(queries, StringComparer.Ordinal);

    public bool Includes(string? sql) => sql is not null && _queries.Contains(sql);

    internal async Task<DbDataReader> ExecuteAsync(string sql, SqliteParameterCollection parameters)
    {
        // Copied now: the caller's command and its parameters belong to the caller.
        var values = new (string Name, object Value)[parameters.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (parameters[i].ParameterName, parameters[i].Value ?? DBNull.Value);
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
}
