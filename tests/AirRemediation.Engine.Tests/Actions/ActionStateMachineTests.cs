using AirRemediation.Engine.Actions;
using Xunit;

namespace AirRemediation.Engine.Tests.Actions;

public class ActionStateMachineTests
{
    private static readonly HashSet<(ActionState, ActionState)> Legal =
    [
        (ActionState.Pending, ActionState.Approved), (ActionState.Pending, ActionState.Denied), (ActionState.Pending, ActionState.Expired),
        (ActionState.Approved, ActionState.Running),
        (ActionState.Running, ActionState.Completed), (ActionState.Running, ActionState.PartiallyCompleted),
        (ActionState.Running, ActionState.Failed), (ActionState.Running, ActionState.Cancelled), (ActionState.Running, ActionState.Running),
        (ActionState.Cancelled, ActionState.Running),
        (ActionState.Completed, ActionState.Undone), (ActionState.PartiallyCompleted, ActionState.Undone),
    ];

    public static TheoryData<ActionState, ActionState> AllPairs()
    {
        var d = new TheoryData<ActionState, ActionState>();
        foreach (var f in Enum.GetValues<ActionState>())
        {
            foreach (var t in Enum.GetValues<ActionState>())
            {
                d.Add(f, t);
            }
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Exactly_the_documented_transitions_are_allowed(ActionState from, ActionState to)
    {
        bool expected = Legal.Contains((from, to));
        Assert.Equal(expected, ActionStateMachine.CanTransition(from, to));
        if (expected)
        {
            ActionStateMachine.EnsureTransition(from, to, "A-0000000000");
        }
        else
        {
            var e = Assert.Throws<AirException>(() => ActionStateMachine.EnsureTransition(from, to, "A-0000000000"));
            Assert.Equal(AirErrorKind.InvalidState, e.Kind);
            Assert.Equal("A-0000000000", e.Target);
            Assert.Contains("A-0000000000", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Refusals_read_like_an_admin_would_say_them()
    {
        var e = Assert.Throws<AirException>(() => ActionStateMachine.EnsureTransition(ActionState.Denied, ActionState.Approved, "A-7K3M9QX2PD"));
        Assert.Equal("Action A-7K3M9QX2PD is Denied; only Pending actions can be approved.", e.Message);
        Assert.Equal("Action A-1 is Pending; only Completed or PartiallyCompleted actions can be undone.",
            ActionStateMachine.DescribeRefusal("A-1", ActionState.Pending, ActionState.Undone));
        Assert.Equal("Action A-1 is Pending; it must be approved before it runs.",
            ActionStateMachine.DescribeRefusal("A-1", ActionState.Pending, ActionState.Running));
    }

    [Fact]
    public void New_actions_start_Pending_or_Running_only()
    {
        foreach (var s in Enum.GetValues<ActionState>())
        {
            Assert.Equal(s is ActionState.Pending or ActionState.Running, ActionStateMachine.CanCreateIn(s));
        }
        Assert.Equal("RunDirectly", ActionStateMachine.CreateEventName(ActionState.Running));
        Assert.Equal("Proposed", ActionStateMachine.CreateEventName(ActionState.Pending));
        Assert.Throws<AirException>(() => ActionStateMachine.EnsureCreate(ActionState.Completed));
    }

    [Fact]
    public void Event_names_say_what_happened()
    {
        Assert.Equal("Started", ActionStateMachine.EventName(ActionState.Approved, ActionState.Running));
        Assert.Equal("Resumed", ActionStateMachine.EventName(ActionState.Cancelled, ActionState.Running));
        Assert.Equal("Resumed", ActionStateMachine.EventName(ActionState.Running, ActionState.Running));
        Assert.Equal("Approved", ActionStateMachine.EventName(ActionState.Pending, ActionState.Approved));
        Assert.Equal("Undone", ActionStateMachine.EventName(ActionState.Completed, ActionState.Undone));
    }

    [Fact]
    public void Action_ids_are_short_typeable_and_normalised()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => ActionId.New()).ToList();
        Assert.All(ids, id => Assert.Matches("^A-[0-9A-HJKMNP-TV-Z]{10}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());

        Assert.True(ActionId.TryNormalize(" a-7k3m9qx2pd ", out var n));
        Assert.Equal("A-7K3M9QX2PD", n);
        Assert.True(ActionId.TryNormalize("7K3M9QX2PO", out n));
        Assert.Equal("A-7K3M9QX2P0", n);
        Assert.False(ActionId.TryNormalize("A-123", out _));
        Assert.False(ActionId.TryNormalize("A-7K3M9QX2P!", out _));
        var e = Assert.Throws<AirException>(() => ActionId.Normalize("nope"));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
    }

    [Fact]
    public void Counts_add_up()
    {
        var c = new ItemCounts(1, 2, 3, 4, 5, 6);
        Assert.Equal(21, c.Total);
        Assert.Equal(18, c.Finished);
        Assert.Equal(4, c[ItemState.Already]);
    }
}
