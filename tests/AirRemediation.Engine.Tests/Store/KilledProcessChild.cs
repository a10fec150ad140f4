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
    public const int Items = 4000;
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
                RunAsync(path).GetAwaiter().GetResult();
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
                // (the side effect would happen here)
                await store.UpdateItemAsync(a.Id, new ItemUpdate(seq, ItemState.Done) { AfterJson = "{}", LeaseOwner = Owner });
                Console.Out.WriteLine($"DONE {seq}");
            }
        })));
        Console.Out.WriteLine("FINISHED");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite); // wait for the kill
    }

    /// <summary>Starts the child on <paramref name="storePath"/>.</summary>
    public static Process Start(string storePath)
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
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (var arg in new[] { "exec", "--runtimeconfig", Path.Combine(dir, name + ".runtimeconfig.json"), "--depsfile", Path.Combine(dir, name + ".deps.json"), self })
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment[PathVariable] = storePath;
        psi.Environment.Remove("AIR_STORE_KILL_CHILD_STARTED");
        return Process.Start(psi) ?? throw new InvalidOperationException("Could not start the child process.");
    }
}
