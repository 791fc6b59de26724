namespace Marketplace.Tests.Infrastructure;

/// <summary>
/// The test classes that write to a RUM index and the one that runs a streaming replica of the test
/// cluster never run at the same time: rum 1.3.13 logs new index pages without a full image
/// (postgrespro/rum#179, Marketplace.Migrations/RumIndex.cs), so a standby replaying such writes
/// from any database of the cluster stops with "WAL contains references to invalid pages".
/// </summary>
[CollectionDefinition(Name)]
public sealed class RumAndReplicas
{
    public const string Name = "RUM index and read replicas";
}
