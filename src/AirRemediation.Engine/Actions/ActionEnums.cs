namespace AirRemediation.Engine.Actions;

/// <summary>What a remediation action does.</summary>
public enum ActionKind
{
    /// <summary>Specific messages of one mailbox moved to Recoverable Items\Deletions.</summary>
    SoftDeleteEmail,
    /// <summary>Every message matching a query, across mailboxes, soft deleted.</summary>
    SoftDeleteCluster,
    /// <summary>A URL block entry in the Tenant Allow/Block List.</summary>
    BlockUrl,
    /// <summary>A URL block entry removed.</summary>
    UnblockUrl,
    /// <summary>External forwarding of a mailbox turned off (inbox rules disabled, SMTP forwarding cleared).</summary>
    DisableForwarding,
    /// <summary>The reversal of another action; <see cref="ActionRecord.RelatedActionId"/> names the original.</summary>
    Undo,
}

/// <summary>Where an action is in its life. <see cref="ActionStateMachine"/> is the only authority on the moves between them.</summary>
public enum ActionState
{
    /// <summary>Proposed, waiting for someone other than the proposer to approve or deny it.</summary>
    Pending,
    /// <summary>Approved; about to run.</summary>
    Approved,
    /// <summary>Executing under a lease held by one session.</summary>
    Running,
    /// <summary>Every item done (or already remediated, or skipped).</summary>
    Completed,
    /// <summary>Finished, but some items failed.</summary>
    PartiallyCompleted,
    /// <summary>Finished and nothing was remediated.</summary>
    Failed,
    /// <summary>Refused by an approver.</summary>
    Denied,
    /// <summary>Nobody decided before its expiry.</summary>
    Expired,
    /// <summary>Reversed by an Undo action.</summary>
    Undone,
    /// <summary>Stopped by the user mid-run; resumable like Running.</summary>
    Cancelled,
}

/// <summary>Where one item (one message, one URL, one mailbox) of an action is.</summary>
public enum ItemState
{
    /// <summary>Known, not yet touched.</summary>
    Planned,
    /// <summary>The side effect was started; its outcome is unknown until verified.</summary>
    InProgress,
    /// <summary>Remediated by this action.</summary>
    Done,
    /// <summary>Already remediated before this action acted on it.</summary>
    Already,
    /// <summary>Could not be remediated; <see cref="ItemRecord.Reason"/> says why.</summary>
    Failed,
    /// <summary>Deliberately not acted on; <see cref="ItemRecord.Reason"/> says why.</summary>
    Skipped,
}

/// <summary>Whether an identity is a person or an application (runbook, managed identity).</summary>
public enum ActorKind
{
    /// <summary>A signed-in person.</summary>
    User,
    /// <summary>An application or managed identity.</summary>
    App,
}
