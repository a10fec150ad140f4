using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Store;

namespace AirRemediation.Infrastructure;

/// <summary>Engine action-center records to PowerShell output types.</summary>
internal static class ActionMapper
{
    public static AirAction ToOutput(ActionRecord a, IEnumerable<ItemRecord>? items = null, IEnumerable<AuditRecord>? trail = null) => new()
    {
        Id = a.Id,
        Kind = a.Kind.ToString(),
        State = a.State.ToString(),
        Summary = a.Summary,
        ProposedBy = a.ProposedBy,
        ApprovedBy = a.ApprovedBy,
        CreatedAt = a.CreatedAt,
        DecidedAt = a.DecidedAt,
        ExpiresAt = a.ExpiresAt,
        InvestigationId = a.InvestigationId,
        RelatedActionId = a.RelatedActionId,
        Total = a.Counts.Total,
        Succeeded = a.Counts.Done,
        AlreadyRemediated = a.Counts.Already,
        Failed = a.Counts.Failed,
        Skipped = a.Counts.Skipped,
        Open = a.Counts.Planned + a.Counts.InProgress,
        Parameters = a.ParametersJson,
        Items = items?.Select(ToOutput).ToArray() ?? [],
        Trail = trail?.Select(ToOutput).ToArray() ?? [],
    };

    public static AirActionItem ToOutput(ItemRecord i) => new()
    {
        ActionId = i.ActionId,
        Seq = i.Seq,
        Key = i.Key,
        Target = i.Target,
        Outcome = i.State is ItemState.Planned or ItemState.InProgress ? i.State.ToString() : ResultMapper.Outcome(i.State),
        Reason = i.Reason,
        Attempts = i.Attempts,
        UpdatedAt = i.UpdatedAt,
    };

    public static AirAuditEntry ToOutput(AuditRecord r) => new()
    {
        Seq = r.Seq,
        ActionId = r.ActionId,
        At = r.At,
        Actor = r.Actor,
        ActorKind = r.ActorKind.ToString(),
        SignIn = r.SignIn,
        Event = r.Event,
        FromState = r.FromState?.ToString(),
        ToState = r.ToState?.ToString(),
        Reason = r.Reason,
        Hash = r.Hash,
    };

    public static AirInvestigation ToOutput(Investigation i) => new()
    {
        AlertId = i.AlertId,
        IncidentId = i.IncidentId,
        Title = i.Title,
        Severity = i.Severity,
        Status = i.Status,
        InvestigationState = i.InvestigationState,
        ServiceSource = i.ServiceSource,
        CreatedDateTime = i.CreatedDateTime,
        PendingEvidence = i.Evidence.Count(e => e.IsPendingApproval),
        Evidence = i.Evidence.Select(ToOutput).ToArray(),
        AlertWebUrl = i.AlertWebUrl,
    };

    public static AirEvidence ToOutput(EvidenceInfo e) => new()
    {
        Type = e.Type,
        RemediationStatus = e.RemediationStatus,
        Verdict = e.Verdict,
        Target = e.Type switch
        {
            "analyzedMessageEvidence" => e.RecipientEmailAddress,
            "urlEvidence" => e.Url,
            "mailClusterEvidence" => e.ClusterByValue,
            _ => e.MailboxAddress ?? e.DisplayName,
        },
        RecipientEmailAddress = e.RecipientEmailAddress,
        InternetMessageId = e.InternetMessageId,
        NetworkMessageId = e.NetworkMessageId,
        Subject = e.Subject,
        Url = e.Url,
        ClusterBy = e.ClusterBy,
        ClusterByValue = e.ClusterByValue,
        EmailCount = e.EmailCount,
        NetworkMessageIds = [.. e.NetworkMessageIds],
        MailboxAddress = e.MailboxAddress,
        ConfigurationType = e.ConfigurationType,
        ConfigurationId = e.ConfigurationId,
    };

    public static AirPermission ToOutput(PermissionCheck c) => new() { Capability = c.Capability, Allowed = c.Allowed, Missing = [.. c.Missing], Detail = c.Detail };

    public static AirAuditVerification ToOutput(AuditVerification v, string store) => new()
    {
        IsValid = v.IsValid,
        Entries = v.Count,
        Problem = v.Problem.ToString(),
        BrokenEntry = v.BrokenSeq,
        BrokenActionId = v.BrokenActionId,
        Message = v.Message,
        HeadHash = v.HeadHash,
        Head = v.Head,
        Store = store,
    };

    public static AirApprovalPolicy ToOutput(ApprovalPolicy p, string store) => new() { AllowSelfApproval = p.AllowSelfApproval, AppApprovers = [.. p.AppApprovers], ExecutorAppId = p.ExecutorAppId, DefaultAlertResolution = p.DefaultAlertResolution, Store = store };
}
