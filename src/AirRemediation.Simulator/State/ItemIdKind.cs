namespace AirRemediation.Simulator.State;

public enum ItemIdKind : byte
{
    RestMessage = 1,
    ImmutableMessage = 2,
    Folder = 3,
}
