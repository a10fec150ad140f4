using AirRemediation.Engine.Execution;
using Xunit;

namespace AirRemediation.Engine.Tests.Execution;

/// <summary>A lease is reclaimed early only when its holder is proven dead on this machine; anything less is respected.</summary>
public sealed class LeaseOwnerTests
{
    private static string Folder => Path.Combine(Path.GetTempPath(), "airremediation-leases-" + Environment.UserName);

    private static string Owner(string nonce, int pid = int.MaxValue - 7) => $"{Environment.MachineName}/{pid}/{nonce}-0badc0de";

    private static string NewNonce() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    [Fact]
    public void A_process_that_left_no_marker_is_not_judged_dead_even_when_its_pid_does_not_exist_here()
    {
        // A cloned container with the same host name: its pid means nothing here and it left no marker on this machine.
        _ = LeaseOwner.New();
        Assert.False(LeaseOwner.IsDeadLocalProcess(Owner(NewNonce())));
    }

    [Fact]
    public void A_marker_whose_lock_was_released_proves_the_holder_dead_until_its_lease_is_taken_over()
    {
        _ = LeaseOwner.New();
        var nonce = NewNonce();
        var path = Path.Combine(Folder, nonce + ".lock");
        File.WriteAllText(path, "");   // what a process killed with -9 leaves behind: the file, without its lock
        Assert.True(LeaseOwner.IsDeadLocalProcess(Owner(nonce)));
        Assert.True(LeaseOwner.IsDeadLocalProcess(Owner(nonce)), "asking again gives the same answer (every session that looks needs it)");
        LeaseOwner.Forget(Owner(nonce));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_marker_still_locked_belongs_to_a_live_process()
    {
        _ = LeaseOwner.New();
        var nonce = NewNonce();
        var path = Path.Combine(Folder, nonce + ".lock");
        using (new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose))
            Assert.False(LeaseOwner.IsDeadLocalProcess(Owner(nonce, Environment.ProcessId + 1)));
    }

    [Fact]
    public void Another_machine_and_this_process_are_never_dead()
    {
        Assert.False(LeaseOwner.IsDeadLocalProcess($"other-host/1/{NewNonce()}"));
        Assert.False(LeaseOwner.IsDeadLocalProcess(LeaseOwner.New()));
        Assert.False(LeaseOwner.IsDeadLocalProcess(null));
        Assert.False(LeaseOwner.IsDeadLocalProcess($"{Environment.MachineName}/1/not-a-nonce"));
    }
}
