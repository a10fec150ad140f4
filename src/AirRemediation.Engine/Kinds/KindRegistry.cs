using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.DisableForwarding;
using AirRemediation.Engine.Kinds.SoftDeleteCluster;
using AirRemediation.Engine.Kinds.SoftDeleteEmail;
using AirRemediation.Engine.Kinds.UnblockUrl;

namespace AirRemediation.Engine.Kinds;

/// <summary>
/// Every kind of remediation the module runs, by <see cref="ActionKind"/>. Adding a kind is one folder under Kinds/, one
/// member of <see cref="ActionKind"/> and one line here; the pipeline, the queue, resume and undo need nothing else.
/// </summary>
internal static class KindRegistry
{
    private static readonly RemediationKind[] Registered =
    [
        new SoftDeleteEmailKind(),
        new SoftDeleteClusterKind(),
        new BlockUrlKind(),
        new UnblockUrlKind(),
        new DisableForwardingKind(),
    ];

    private static readonly Dictionary<ActionKind, RemediationKind> ByKind = Registered.ToDictionary(k => k.Kind);

    public static IReadOnlyList<RemediationKind> All => Registered;

    /// <summary>The kind that runs actions of <paramref name="kind"/>.</summary>
    public static RemediationKind For(ActionKind kind) =>
        ByKind.TryGetValue(kind, out var k) ? k
        : throw new AirException(AirErrorKind.InvalidInput, $"{kind} actions cannot be run by this version of AirRemediation.");
}
