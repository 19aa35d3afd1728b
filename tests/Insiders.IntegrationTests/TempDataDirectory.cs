namespace Insiders.Tests;

/// <summary>Removal of a test's temporary directory that held an embedded database.</summary>
internal static class TempDataDirectory
{
    /// <summary>Closes pooled SQLite connections (they keep the files open), then deletes; best effort.</summary>
    public static void Delete(string dir)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dir, true);
        }
        catch (IOException)
        {
            // best effort: a file still open elsewhere in the process is left to the OS temp cleaner
        }
    }
}
