using AirRemediation.Engine;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds.DisableForwarding;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Kinds.UrlBlock;

namespace AirRemediation.Infrastructure;

/// <summary>Engine results to PowerShell output types, and the progress record for Write-Progress.</summary>
internal static class ResultMapper
{
    public static string Outcome(ItemState state) => state switch
    {
        ItemState.Done => "Succeeded",
        ItemState.Already => "AlreadyRemediated",
        ItemState.Failed => "Failed",
        ItemState.Skipped => "Skipped",
        _ => state.ToString(),
    };

    public static AirTenantProbe ToOutput(Engine.Doctor.ProbeResult r) => new()
    {
        Area = r.Area,
        Probe = r.Name,
        Result = r.Outcome.ToString(),
        Status = r.Status,
        Code = r.Code,
        Detail = r.Detail,
        Hint = r.Hint,
    };

    public static AirMessageResult ToOutput(MessageResult r) => new()
    {
        ActionId = r.ActionId,
        Mailbox = r.Mailbox,
        InternetMessageId = r.InternetMessageId,
        Subject = r.Subject,
        Outcome = Outcome(r.Outcome),
        Reason = r.Reason,
        ReceivedDateTime = r.ReceivedDateTime,
        MessageId = r.MessageId,
        FromFolderId = r.FromFolderId,
        ToFolderId = r.ToFolderId,
    };

    public static AirWorkerResult ToOutput(Engine.Approvals.WorkerResult r) => new()
    {
        ActionId = r.ActionId,
        Kind = r.Kind.ToString(),
        Outcome = r.Outcome.ToString(),
        State = r.State.ToString(),
        Reason = r.Reason,
        Summary = r.Summary is null ? null : ToOutput(r.Summary),
    };

    public static AirRunSummary ToOutput(RunSummary s) => new()
    {
        ActionId = s.ActionId,
        Kind = s.Kind.ToString(),
        State = s.State.ToString(),
        Total = s.Total,
        Succeeded = s.Succeeded,
        AlreadyRemediated = s.Already,
        Failed = s.Failed,
        Skipped = s.Skipped,
        Duration = s.Duration,
        Requests = s.Requests,
        Throttled = s.Throttled,
        LimitReached = s.LimitReached,
        Note = s.Note,
    };

    /// <summary>An error record for a failed item: the item's own ErrorId (AirNotFound, AirAccessDenied, …), the item as target.</summary>
    public static ErrorRecord? ErrorFor(MessageResult r)
    {
        if (r.Outcome != ItemState.Failed) return null;
        var kind = r.ErrorKind ?? AirErrorKind.ServiceError;
        var message = r.InternetMessageId is null ? $"{r.Mailbox}: {r.Reason}" : $"{r.Mailbox} {r.InternetMessageId}: {r.Reason}";
        return AirErrors.ToRecord(new AirException(kind, message, r.Mailbox), ToOutput(r));
    }

    public static AirUrlBlockResult ToOutput(UrlBlockResult r) => new()
    {
        ActionId = r.ActionId,
        Url = r.Url,
        Id = r.Id,
        Outcome = r.Outcome.ToString(),
        Reason = r.Reason,
        Rule = r.Rule?.ToString(),
        ExpiresOn = r.ExpiresOn,
        NoExpiration = r.NoExpiration,
        Notes = r.Notes,
    };

    public static AirUrlBlockEntry ToOutput(UrlBlockEntry e) => new()
    {
        Id = e.Id,
        Url = e.Value,
        Action = e.Action,
        ExpiresOn = e.ExpiresOn,
        NoExpiration = e.ExpiresOn is null,
        Notes = e.Notes,
        LastModified = e.LastModified,
    };

    /// <summary>
    /// A failed URL entry: a rejected entry gets AirInvalidUrl&lt;Rule&gt; (AirInvalidUrlScheme, AirInvalidUrlPort, …),
    /// anything else the ErrorId of its kind (AirLimitReached, AirNotFound, AirAccessDenied, …).
    /// </summary>
    public static ErrorRecord? ErrorFor(UrlBlockResult r)
    {
        if (r.State != ItemState.Failed) return null;
        var message = $"{r.Url}: {r.Reason}";
        if (r.Rule is { } rule && rule != UrlEntryRule.None)
            return AirErrors.InvalidInput(message, "AirInvalidUrl" + rule, ToOutput(r));
        return AirErrors.ToRecord(new AirException(r.ErrorKind ?? AirErrorKind.ServiceError, message, r.Url), ToOutput(r));
    }

    public static AirForwardingResult ToOutput(ForwardingResult r) => new()
    {
        ActionId = r.ActionId,
        Mailbox = r.Mailbox,
        Kind = r.Kind.ToString(),
        Rule = r.Rule,
        RuleId = r.RuleId,
        Targets = [.. r.Targets],
        Outcome = r.Outcome.ToString(),
        Reason = r.Reason,
    };

    /// <summary>A failed forwarding item: the ErrorId of its kind (AirNotFound, AirAccessDenied, AirInvalidInput…), the result as target.</summary>
    public static ErrorRecord? ErrorFor(ForwardingResult r)
    {
        if (r.State != ItemState.Failed) return null;
        return AirErrors.ToRecord(new AirException(r.ErrorKind ?? AirErrorKind.ServiceError, r.Reason ?? $"{r.Mailbox}: failed", r.Mailbox), ToOutput(r));
    }

    public static ProgressRecord ToProgress(RunProgress p)
    {
        var record = new ProgressRecord(1, $"{p.Activity} ({p.ActionId})", Status(p));
        if (p.Completed)
        {
            record.RecordType = ProgressRecordType.Completed;
            return record;
        }
        if (p.PercentComplete is { } percent) record.PercentComplete = percent;
        if (p.Remaining is { } rem) record.SecondsRemaining = (int)Math.Min(int.MaxValue, rem.TotalSeconds);
        return record;
    }

    private static string Status(RunProgress p)
    {
        var units = p.UnitsTotal is { } t ? $"{p.UnitsScanned}/{t}" : $"{p.UnitsScanned}";
        return $"{p.UnitName} {units} · found {p.Found} · finished {p.Finished} · failed {p.Failed} · {p.ItemsPerSecond:0.0}/s · throttle waits {p.ThrottleWaits}";
    }
}
