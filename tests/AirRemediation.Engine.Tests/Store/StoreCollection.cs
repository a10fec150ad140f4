using Xunit;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>
/// The store suites measure the process heap (flat-memory paging of 12,000 × 8 KB items) and throughput. The heap is
/// the whole process's: run beside other classes (the fault suite allocates tens of MB), their objects show up in the
/// measurement — the Table backend's enumeration takes seconds over HTTP, long enough to catch them. This collection
/// runs on its own, after the parallel ones, one class at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StoreCollection
{
    public const string Name = "Action stores";
}
