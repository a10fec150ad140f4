namespace AirRemediation;
internal static class Placeholder { }
