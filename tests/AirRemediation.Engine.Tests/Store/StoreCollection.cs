using Xunit;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>
/// The store suites measure the process heap (flat-memory paging of 12,000 × 8 KB items) and throughput; run in
/// parallel with each other, one backend's big enumeration shows up in the other's heap measurement. One collection
/// runs them one after another (other test classes still run in parallel).
/// </summary>
[CollectionDefinition(Name)]
public sealed class StoreCollection
{
    public const string Name = "Action stores";
}
