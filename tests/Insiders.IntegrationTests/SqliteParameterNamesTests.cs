using Insiders.Storage;
using Microsoft.Data.Sqlite;

namespace Insiders.Tests;

/// <summary>Provider parameters (named without a prefix) renamed as their query spells them, and still bound right.</summary>
public sealed class SqliteParameterNamesTests
{
    private const string Query = "SELECT @GrainIdN0 + 0, @GrainIdN1 * 10, $Other, :Colon, @Prefixed, @GrainIdN";

    [Fact]
    public void Spell_NamesEachParameterAsTheQueryDoes_LongerNamesAndAbsentNamesAreNotConfused()
    {
        using var command = new SqliteCommand(Query);
        command.Parameters.AddWithValue("GrainIdN0", 1);
        command.Parameters.AddWithValue("GrainIdN1", 2);
        command.Parameters.AddWithValue("Other", 3);
        command.Parameters.AddWithValue("Colon", 4);
        command.Parameters.AddWithValue("@Prefixed", 5);
        command.Parameters.AddWithValue("GrainIdN", 6); // a prefix of the names above, and a name of its own
        command.Parameters.AddWithValue("Absent", 7);

        SqliteParameterNames.Spell(Query, command.Parameters);

        Assert.Equal(
            ["@GrainIdN0", "@GrainIdN1", "$Other", ":Colon", "@Prefixed", "@GrainIdN", "Absent"],
            command.Parameters.Cast<SqliteParameter>().Select(p => p.ParameterName));
        var spelled = command.Parameters.Cast<SqliteParameter>().Select(p => p.ParameterName).ToList();
        SqliteParameterNames.Spell(Query, command.Parameters); // spelled names stay as they are
        Assert.Equal(spelled, command.Parameters.Cast<SqliteParameter>().Select(p => p.ParameterName));
    }

    [Fact]
    public void Spell_TheRenamedParametersBindTheSameValues()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = Query;
        foreach (var (name, value) in new[] { ("GrainIdN0", 1), ("GrainIdN1", 2), ("Other", 3), ("Colon", 4), ("@Prefixed", 5), ("GrainIdN", 6) })
        {
            command.Parameters.AddWithValue(name, value);
        }

        SqliteParameterNames.Spell(Query, command.Parameters);
        using var reader = command.ExecuteReader();

        Assert.True(reader.Read());
        Assert.Equal([1L, 20L, 3L, 4L, 5L, 6L], Enumerable.Range(0, 6).Select(reader.GetInt64));
    }

    [Fact]
    public void Spell_WithoutAQueryOrParameters_LeavesThemAlone()
    {
        using var command = new SqliteCommand();
        command.Parameters.AddWithValue("GrainIdHash", 1);

        SqliteParameterNames.Spell(null, command.Parameters);
        SqliteParameterNames.Spell("", command.Parameters);
        SqliteParameterNames.Spell(Query, new SqliteCommand().Parameters);

        Assert.Equal("GrainIdHash", command.Parameters[0].ParameterName);
    }
}
