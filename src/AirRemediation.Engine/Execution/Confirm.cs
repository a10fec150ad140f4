namespace AirRemediation.Engine.Execution;

/// <summary>ShouldProcess, as the Engine sees it: may the change to <paramref name="target"/> described by <paramref name="action"/> be made?</summary>
public delegate bool Confirm(string target, string action);
