namespace AirRemediation.Simulator.Graph;

public enum FilterLiteralKind
{
    String,
    Boolean,
    DateTime,
    Number,
    Null,
}
