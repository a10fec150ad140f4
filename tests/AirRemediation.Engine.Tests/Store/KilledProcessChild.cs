using System.Diagnostics;
using System.Runtime.CompilerServices;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>
/// The child side of the kill -9 test. The test starts this very assembly with <c>dotnet exec</c> and an environment
/// variable naming a store file; the module initializer then runs an executor-like loop that journals items and reports
/// each durable write on stdout, until the parent kills it. Without the variable (the normal test run) it does nothing.
/// </summary>
internal static class KilledProcessChild
{
    public const string PathVariable = "AIR_STORE_KILL_CHILD_PATH";
    /// <summary>If set, the child races to approve these comma-separated action ids instead of journaling.</summary>
    public const string ApproveVariable = "AIR_STORE_CHILD_APPROVE_IDS";
    public const int Items = 20_000;
    public const int Workers = 8;
    public const string Owner = "child";

#pragma warning disable CA2255 // a module initializer is exactly what lets the test assembly double as the child process
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RunIfChild()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable);
        if (string.IsNullOrEmpty(path) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AIR_STORE_KILL_CHILD_STARTED")))
        {
            return;
        }
        Environment.SetEnvironmentVariable("AIR_STORE_KILL_CHILD_STARTED", "1");
        // Work must not run inside the module initializer itself: other threads touching this module would wait for it to
        // finish (deadlock). A foreground thread keeps the process alive after the (empty) generated Main returns.
        var worker = new Thread(() =>
        {
            try
            {
                var ids = Environment.GetEnvironmentVariable(ApproveVariable);
                if (string.IsNullOrEmpty(ids))
                {
                    RunAsync(path).GetAwaiter().GetResult();
                }
                else
                {
                    ApproveAsync(path, ids.Split(',')).GetAwaiter().GetResult();
                    Environment.Exit(0);
                }
            }
            catch (Exception e)
            {
                Console.Error.WriteLine(e);
                Environment.Exit(3);
            }
        })
        { IsBackground = false, Name = "kill-child" };
        worker.Start();
    }

    private static async Task RunAsync(string path)
    {
        var store = SqliteActionStore.Open(path);
        var a = (await store.CreateActionAsync(new NewAction
        {
            Kind = ActionKind.SoftDeleteCluster,
            InitialState = ActionState.Running,
            Lease = new LeaseRequest(Owner, TimeSpan.FromSeconds(30)),
        }, new AuditContext("runbook-app", ActorKind.App))).Action;
        var items = await store.AddItemsAsync(a.Id, Enumerable.Range(0, Items).Select(i => new NewItem($"mbx{i % 40}|<{i}@evil>", $"mbx{i % 40}")));
        Console.Out.WriteLine($"ACTION {a.Id} {Environment.ProcessId}");
        Console.Out.Flush();
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
            {
                var seq = items[i].Seq;
                await store.UpdateItemAsync(a.Id, new ItemUpdate(seq, ItemState.InProgress) { IncrementAttempts = true, LeaseOwner = Owner });
                await Task.Delay(1); // the side effect (a Graph call) would happen here
                await store.UpdateItemAsync(a.Id, new ItemUpdate(seq, ItemState.Done) { AfterJson = "{}", LeaseOwner = Owner });
                Console.Out.WriteLine($"DONE {seq}");
            }
        })));
        Console.Out.WriteLine("FINISHED");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite); // wait for the kill
    }

    private static async Task ApproveAsync(string path, string[] ids)
    {
        await using var store = SqliteActionStore.Open(path);
        // Warm up the transition path so the race starts on equal terms with the (warm) parent.
        await store.TryTransitionAsync("A-0000000000", [ActionState.Pending], ActionState.Approved, new AuditContext("child@contoso.com"));
        Console.Out.WriteLine("READY");
        Console.Out.Flush();
        if (Console.In.ReadLine() != "GO")
        {
            return;
        }
        foreach (var id in ids)
        {
            var r = await store.TryTransitionAsync(id, [ActionState.Pending], ActionState.Approved, new AuditContext("child@contoso.com"),
                new ActionChanges { ApprovedBy = "child@contoso.com" });
            Console.Out.WriteLine(r.Succeeded ? $"WON {id}" : $"LOST {id} {r.Outcome}");
        }
        Console.Out.WriteLine("END");
        Console.Out.Flush();
    }

    /// <summary>Starts the child on <paramref name="storePath"/>; with <paramref name="approveIds"/>, in approval-race mode.</summary>
    public static Process Start(string storePath, IEnumerable<string>? approveIds = null)
    {
        var self = typeof(KilledProcessChild).Assembly.Location;
        var dir = Path.GetDirectoryName(self)!;
        var name = Path.GetFileNameWithoutExtension(self);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet))
        {
            dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        }
        var psi = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = approveIds is not null,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (var arg in new[] { "exec", "--runtimeconfig", Path.Combine(dir, name + ".runtimeconfig.json"), "--depsfile", Path.Combine(dir, name + ".deps.json"), self })
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment[PathVariable] = storePath;
        if (approveIds is not null)
        {
            psi.Environment[ApproveVariable] = string.Join(",", approveIds);
        }
        psi.Environment.Remove("AIR_STORE_KILL_CHILD_STARTED");
        return Process.Start(psi) ?? throw new InvalidOperationException("Could not start the child process.");
    }
}
