namespace AirRemediation.Engine.Actions;

/// <summary>
/// What an admin, a runbook or Defender's evidence asks one kind of remediation to do. Each kind has its own request
/// record (soft delete, URL block, URL unblock, forwarding); the action stores it as JSON and every run re-reads it.
/// </summary>
public abstract record ActionRequest
{
    /// <summary>The kind of action that carries out this request.</summary>
    public abstract ActionKind Kind { get; }
}

/// <summary>An input of a request that can never succeed as given, with the error that says why.</summary>
/// <param name="Input">The input as the caller gave it.</param>
/// <param name="Error">What is wrong with it (InvalidInput, naming the input).</param>
/// <param name="Detail">Kind-specific detail for the result (e.g. the URL syntax rule it breaks).</param>
public sealed record RejectedInput(string Input, AirException Error, object? Detail = null);

/// <summary>
/// A request after its kind checked it: the request with normalised inputs (duplicates collapsed), the inputs that can
/// never succeed (they become Failed items of the run, each with its own error), and how many duplicates were dropped.
/// </summary>
public sealed record NormalizedRequest(ActionRequest Request, IReadOnlyList<RejectedInput> Rejected, int Duplicates)
{
    /// <summary>The kind that runs it.</summary>
    public ActionKind Kind => Request.Kind;
}
