using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace AirRemediation.Engine.Store;

/// <summary>The transaction a queued write runs in, with a per-connection cache of prepared commands.</summary>
internal sealed class WriteContext
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public WriteContext(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    public SqliteTransaction Transaction { get; set; } = null!;

    /// <summary>A prepared command for <paramref name="sql"/>, bound to the current transaction, with its parameters cleared.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = Connection.CreateCommand();
            cmd.CommandText = sql;
            _commands[sql] = cmd;
        }
        cmd.Transaction = Transaction;
        cmd.Parameters.Clear();
        return cmd;
    }

    public void DisposeCommands()
    {
        foreach (var c in _commands.Values)
        {
            c.Dispose();
        }
        _commands.Clear();
    }
}

/// <summary>
/// The single writer of one store instance. Writes are queued; the writer takes whatever is queued (up to MaxBatch),
/// runs each in its own savepoint inside one <c>BEGIN IMMEDIATE</c> transaction, commits once, and only then
/// completes each caller's task. So a caller that awaited a write knows it is committed, and many concurrent
/// callers share one commit (group commit). A write that throws is rolled back to its savepoint alone.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    // A plain queue and an event rather than a Channel: the writer thread is woken directly by the enqueuing thread,
    // without a thread-pool hop, which matters for one caller awaiting each write in turn on a busy 2-core machine.
    private readonly ConcurrentQueue<Op> _queue = new();
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 50);
    private volatile bool _completing;
    private readonly SqliteConnection _connection;
    private readonly WriteContext _context;
    private readonly int _maxBatch;
    private readonly Task _loop;

    public SqliteWriter(SqliteConnection connection, int maxBatch)
    {
        _connection = connection;
        _context = new WriteContext(connection);
        _maxBatch = Math.Max(1, maxBatch);
        _loop = Task.Factory.StartNew(RunLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Queues <paramref name="work"/>; the task completes after the transaction that ran it committed.</summary>
    public Task<T> EnqueueAsync<T>(Func<WriteContext, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_completing)
        {
            throw new ObjectDisposedException(nameof(SqliteActionStore));
        }
        var op = new Op<T>(work, cancellationToken);
        _queue.Enqueue(op);
        _signal.Set();
        return op.Task;
    }

    private void RunLoop()
    {
        var batch = new List<Op>(_maxBatch);
        while (true)
        {
            if (_queue.IsEmpty)
            {
                if (_completing)
                {
                    return;
                }
                _signal.Reset();
                if (_queue.IsEmpty && !_completing)
                {
                    _signal.Wait();
                }
                continue;
            }
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.TryDequeue(out var op))
            {
                batch.Add(op);
            }
            RunBatch(batch);
        }
    }

    private void RunBatch(List<Op> batch)
    {
        try
        {
            using var tx = _connection.BeginTransaction(); // BEGIN IMMEDIATE: the write lock, or busy_timeout then SQLITE_BUSY
            _context.Transaction = tx;
            bool any = false;
            foreach (var op in batch)
            {
                if (op.CancellationToken.IsCancellationRequested)
                {
                    op.Cancelled = true;
                    continue;
                }
                tx.Save("op");
                try
                {
                    op.Run(_context);
                    tx.Release("op");
                    any = true;
                }
                catch (Exception e)
                {
                    op.Error = e;
                    tx.Rollback("op");
                    tx.Release("op");
                }
            }
            if (any)
            {
                tx.Commit();
            }
            else
            {
                tx.Rollback();
            }
        }
        catch (Exception e)
        {
            // BEGIN or COMMIT failed (locked, disk full, damaged): nothing of this batch is committed.
            foreach (var op in batch)
            {
                if (!op.Cancelled)
                {
                    op.Error = e;
                }
            }
        }
        finally
        {
            _context.Transaction = null!;
        }
        foreach (var op in batch)
        {
            op.Complete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _completing = true;
        _signal.Set();
        await _loop.ConfigureAwait(false);
        // A write enqueued while the loop was stopping is refused rather than left waiting forever.
        while (_queue.TryDequeue(out var late))
        {
            late.Error = new ObjectDisposedException(nameof(SqliteActionStore));
            late.Complete();
        }
        _signal.Dispose();
        _context.DisposeCommands();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private abstract class Op(CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public bool Cancelled { get; set; }
        public Exception? Error { get; set; }
        public abstract void Run(WriteContext context);
        public abstract void Complete();
    }

    private sealed class Op<T>(Func<WriteContext, T> work, CancellationToken cancellationToken) : Op(cancellationToken)
    {
        private readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _tcs.Task;

        public override void Run(WriteContext context) => _result = work(context);

        public override void Complete()
        {
            if (Cancelled)
            {
                _tcs.TrySetCanceled(CancellationToken);
            }
            else if (Error is not null)
            {
                _tcs.TrySetException(Error);
            }
            else
            {
                _tcs.TrySetResult(_result);
            }
        }
    }
}
