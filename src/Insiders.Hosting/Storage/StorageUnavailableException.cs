namespace Insiders.Storage;

/// <summary>
/// The durable store could not be reached for longer than the retries cover (e.g. the database is restarting). Nothing
/// was acknowledged: the caller may send the same lines again (line identity makes that safe).
/// </summary>
public sealed class StorageUnavailableException(string message, Exception innerException) : Exception(message, innerException);
